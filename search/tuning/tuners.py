"""keras-tuner's tuners by name, each with trial events relayed to listeners.

The registry is import-light (class names, not classes) so the CLI can list tuners in
`--help` without loading TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.experiment import TrainingConfig, TunerConfig
from search.registry import Registry


@dataclass(frozen=True)
class TunerKind:
    class_name: str  # in keras_tuner
    arguments: Callable[[TunerConfig, TrainingConfig], dict[str, Any]]
    summary: str


TUNERS: Registry[TunerKind] = Registry("tuner")


def _common(config: TunerConfig) -> dict[str, Any]:
    import keras_tuner as kt

    return {
        "objective": kt.Objective(config.objective.name, direction=config.objective.direction),
        "seed": config.seed,
        "max_retries_per_trial": config.max_retries_per_trial,
        "max_consecutive_failed_trials": config.max_consecutive_failed_trials,
        "executions_per_trial": config.executions_per_trial,
    }


TUNERS.add(
    "random",
    TunerKind(
        "RandomSearch",
        lambda c, t: {**_common(c), "max_trials": c.max_trials},
        "random sampling of the space",
    ),
)
TUNERS.add(
    "bayesian",
    TunerKind(
        "BayesianOptimization",
        # keras-tuner's default (3 random points per dimension) would make short searches random.
        lambda c, t: {
            **_common(c),
            "max_trials": c.max_trials,
            "num_initial_points": max(2, c.max_trials // 3),
        },
        "Gaussian-process Bayesian optimization after a few random trials",
    ),
)
TUNERS.add(
    "hyperband",
    TunerKind(
        "Hyperband",
        # Hyperband sizes itself from max_epochs and factor; max_trials does not apply.
        lambda c, t: {**_common(c), "max_epochs": t.epochs, "factor": c.hyperband_factor},
        "successive halving over epochs (training.epochs is the largest budget)",
    ),
)
TUNERS.add(
    "grid",
    TunerKind(
        "GridSearch",
        lambda c, t: {**_common(c), "max_trials": c.max_trials},
        "every combination of the discrete values, in order, up to max_trials",
    ),
)


def tracked_class(kind: TunerKind) -> type:
    """The keras-tuner class with trial events, the time budget and one clean-up mixed in."""
    import keras_tuner as kt

    from search.tuning.budget import TimeBudgetMixin
    from search.tuning.events import TrialEventsMixin
    from search.tuning.lean import SingleCleanupMixin

    base = getattr(kt, kind.class_name)
    mixins = (TrialEventsMixin, TimeBudgetMixin, SingleCleanupMixin)
    return type(f"Tracked{kind.class_name}", (*mixins, base), {})


def distribution_strategy(name: str) -> Any:
    """The tf.distribute strategy each trial trains under (None: TensorFlow's default)."""
    if name == "none":
        return None
    import tensorflow as tf

    return tf.distribute.MirroredStrategy()


def forget_ended_retries(oracle: Any) -> list[str]:
    """Ended trials a reload would run again: keras-tuner saves `oracle.json` in `end_trial`
    before it drops the trial from the ongoing ones, and reloading sends every ongoing trial
    to the retry queue. A search killed in that window (wide with parallel workers, where the
    next save waits for the next request) would train a COMPLETED trial twice."""
    if getattr(oracle, "_retry_queue", None) is None:
        return []  # a parallel worker's oracle is a client: the chief's decides
    ended = {"COMPLETED", "FAILED"}
    dropped = [t for t in oracle._retry_queue if str(oracle.trials[t].status) in ended]
    oracle._retry_queue = [t for t in oracle._retry_queue if t not in dropped]
    return dropped


def build_tuner(
    config: TunerConfig,
    training: TrainingConfig,
    hypermodel: Any,
    directory: Path,
    listeners: Sequence[Any],
    resume: bool,
    warm_start: Any = None,
) -> Any:
    """A keras-tuner tuner writing its project to `directory`, reloading it when `resume`;
    a new one's first trial is `warm_start` (a `search.tuning.warm_start.WarmStart`) if given."""
    kind = TUNERS.get(config.kind)
    tuner = tracked_class(kind)(
        hypermodel=hypermodel,
        directory=str(directory.parent),
        project_name=directory.name,
        overwrite=not resume,
        distribution_strategy=distribution_strategy(training.distribution_strategy),
        **kind.arguments(config, training),
    )
    tuner.listeners = list(listeners)
    tuner.max_seconds = config.max_seconds
    if resume:
        forget_ended_retries(tuner.oracle)
    if warm_start is not None and not resume:
        from search.tuning.warm_start import start_from

        start_from(tuner.oracle, warm_start)
    return tuner
