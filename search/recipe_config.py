"""How a model is trained and augmented: config models that may hold searched values.

Each recipe entry is a fixed value, a choice or a range, written as under
`space.hyperparameters`; a choice or a range becomes a hyperparameter of the entry's name
(`optimizer`, `batch_size`, `pad_crop`, ...), so the tuner searches it with the space.
Kept out of `search/experiment.py`, which imports these models.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from search.config_base import HyperparameterOverride, Strict

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "cosine", "one_cycle")


def fixed(value: Any) -> HyperparameterOverride:
    return HyperparameterOverride(fixed=value)


def candidates(override: HyperparameterOverride | None) -> list[Any]:
    """The values an entry names: its fixed value, its choices, or its range's ends."""
    if override is None:
        return []
    if override.fixed is not None:
        return [override.fixed]
    if override.values is not None:
        return list(override.values)
    return [override.min, override.max]


def _check(name: str, override: HyperparameterOverride | None, rule: Any, wanted: str) -> None:
    for value in candidates(override):
        if isinstance(value, bool) or not rule(value):
            raise ValueError(f"{name} must be {wanted}, but got {value!r}")


def _is_count(value: Any) -> bool:
    return isinstance(value, int | float) and float(value).is_integer() and value >= 0


class AugmentConfig(Strict):
    """Light image augmentation: Keras random layers inside the model, active only in training.

    `pad_crop` and `cutout` are pixels and may be choices (`[0, 4]`): then they are searched."""

    flip: Literal["horizontal", "vertical", "horizontal_and_vertical"] | None = None
    translation: float = Field(0.0, ge=0.0, lt=1.0, description="fraction of height and width")
    crop: float = Field(0.0, ge=0.0, lt=1.0, description="fraction of each side cropped away")
    rotation: float = Field(0.0, ge=0.0, le=0.5, description="fraction of a full turn")
    zoom: float = Field(0.0, ge=0.0, lt=1.0, description="fraction of zoom in or out")
    pad_crop: HyperparameterOverride = Field(
        fixed(0), description="pixels of padding on each side, then a random crop back"
    )
    cutout: HyperparameterOverride = Field(
        fixed(0), description="side in pixels of one square blanked at random"
    )
    test_time_flip: bool = Field(
        False,
        description="the tested and registered model averages its predictions on each image "
        "and its mirror image (twice the inference cost); needs flip: horizontal",
    )

    @model_validator(mode="after")
    def _pixels(self) -> AugmentConfig:
        _check("pad_crop", self.pad_crop, _is_count, "whole pixels >= 0")
        _check("cutout", self.cutout, _is_count, "whole pixels >= 0")
        if self.test_time_flip and self.flip not in ("horizontal", "horizontal_and_vertical"):
            raise ValueError(
                "test_time_flip needs flip: horizontal (a model that never trained on mirrored "
                "images gains nothing from averaging over them)"
            )
        return self

    @property
    def active(self) -> bool:
        fractions = (self.translation, self.crop, self.rotation, self.zoom)
        pixels = candidates(self.pad_crop) + candidates(self.cutout)
        return bool(self.flip) or any(fractions) or any(pixels)


class RecipeConfig(Strict):
    """The training recipe: optimizer, weight decay, learning-rate schedule, label smoothing,
    batch size (unset: `training.batch_size`). The learning rate stays the space's
    `learning_rate` hyperparameter."""

    optimizer: HyperparameterOverride = Field(
        fixed("adam"), description="adam, adamw, or sgd (Nesterov momentum 0.9)"
    )
    weight_decay: HyperparameterOverride = Field(
        fixed(0.0), description="decoupled weight decay (adamw and sgd; adam has none)"
    )
    lr_schedule: HyperparameterOverride = Field(
        fixed("constant"), description="constant, cosine (after a warmup), or one_cycle"
    )
    label_smoothing: HyperparameterOverride = Field(
        fixed(0.0), description="classification only: target mass spread over all classes"
    )
    batch_size: HyperparameterOverride | None = Field(
        None, description="searched batch sizes; unset: training.batch_size"
    )

    @model_validator(mode="after")
    def _known_values(self) -> RecipeConfig:
        _check("optimizer", self.optimizer, OPTIMIZERS.__contains__, f"one of {OPTIMIZERS}")
        _check("lr_schedule", self.lr_schedule, SCHEDULES.__contains__, f"one of {SCHEDULES}")
        _check("weight_decay", self.weight_decay, _is_number_at_least(0.0), "a number >= 0")
        fraction = _is_number_at_least(0.0)
        _check(
            "label_smoothing", self.label_smoothing, lambda v: fraction(v) and v < 1, "in [0, 1)"
        )
        _check("batch_size", self.batch_size, lambda v: _is_count(v) and v >= 1, "whole and >= 1")
        return self


def _is_number_at_least(low: float) -> Any:
    return lambda v: isinstance(v, int | float) and v >= low
