"""Short human names for trials: the few hyperparameters that say what a trial was."""

from __future__ import annotations

from typing import Any

from search.tracking.schema import space_values

KEY_COUNT = 3


def format_value(value: Any) -> str:
    """Floats in 3 significant digits; everything else as is."""
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def key_hyperparameters(hyperparameters: dict[str, Any], count: int = KEY_COUNT) -> dict[str, Any]:
    """The first `count` hyperparameters in the order the space declares them.

    A space reads its most structural choices first (blocks, widths), so these name a trial
    best. Scoped names keep their last part (`conv_1/filters` -> `filters`) unless that
    would repeat a name already taken.
    """
    keys: dict[str, Any] = {}
    for name, value in space_values(hyperparameters).items():  # not keras-tuner's own
        short = name.rsplit("/", 1)[-1]
        keys[short if short not in keys else name] = value
        if len(keys) == count:
            break
    return keys


def describe(hyperparameters: dict[str, Any]) -> str:
    """`name=value` pairs separated by spaces."""
    return " ".join(f"{k}={format_value(v)}" for k, v in hyperparameters.items())


def trial_title(trial_id: str, hyperparameters: dict[str, Any]) -> str:
    """`trial-07 conv_blocks=2 filters=64 kernel_size=3`: the run name shown in MLflow."""
    keys = describe(key_hyperparameters(hyperparameters))
    return f"trial-{trial_id} {keys}".strip()
