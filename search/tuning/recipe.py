"""The training recipe of a trial: optimizer, learning-rate schedule, loss, batch size and
the augmentation that may be searched (`training.recipe`, `dataset.augment.pad_crop/cutout`).

Fixed entries are plain values; a choice or a range is declared as a hyperparameter of the
entry's name, through the same `declare` as a space written in the experiment file.
A schedule needs the steps it runs over: steps per epoch (train examples / batch size)
times `training.epochs`; a trial stopped early simply never reaches the schedule's end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import keras

from search.errors import ConfigError
from search.experiment import TrainingConfig
from search.recipe_config import AugmentConfig, RecipeConfig
from search.tracking.schema import HYPERBAND_EPOCHS, ROUND_START
from spaces.composed import declare
from spaces.layers import Cutout
from spaces.losses import SparseSmoothedCrossentropy

SPARSE_CROSSENTROPY = "sparse_categorical_crossentropy"
NESTEROV_MOMENTUM = 0.9
ONE_CYCLE_START = 1 / 25  # of the peak learning rate, as in Smith's one-cycle
ONE_CYCLE_WARMUP = 0.3  # of all steps


@dataclass(frozen=True)
class Recipe:
    """One trial's recipe values."""

    optimizer: str = "adam"
    weight_decay: float = 0.0
    lr_schedule: str = "constant"
    label_smoothing: float = 0.0
    smoothing_searched: bool = False
    batch_size: int | None = None  # None: the pipelines' own batch size


def read_recipe(hp: Any, config: RecipeConfig) -> Recipe:
    """Reads (declaring where searched) every recipe hyperparameter of a trial."""
    batch = None if config.batch_size is None else declare(hp, "batch_size", config.batch_size, int)
    return Recipe(
        optimizer=str(declare(hp, "optimizer", config.optimizer, str)),
        weight_decay=float(declare(hp, "weight_decay", config.weight_decay, float)),
        lr_schedule=str(declare(hp, "lr_schedule", config.lr_schedule, str)),
        label_smoothing=float(declare(hp, "label_smoothing", config.label_smoothing, float)),
        smoothing_searched=config.label_smoothing.fixed is None,
        batch_size=None if batch is None else int(batch),
    )


def learning_rate_schedule(kind: str, peak: float, steps_per_epoch: int, epochs: int) -> Any:
    """A float for `constant`; else a Keras schedule over `steps_per_epoch * epochs` steps.

    cosine: linear warmup from 0 over one epoch (at most a tenth of training), then cosine
    decay to 0. one_cycle: linear warmup from peak/25 over 30% of training, then cosine to 0.
    """
    total = max(2, steps_per_epoch * epochs)
    if kind == "constant":
        return peak
    if kind == "cosine":
        warmup = max(1, min(steps_per_epoch, total // 10))
        start = 0.0
    elif kind == "one_cycle":
        warmup = max(1, int(total * ONE_CYCLE_WARMUP))
        start = peak * ONE_CYCLE_START
    else:
        raise ValueError(f"unknown lr_schedule {kind!r}: choose constant, cosine or one_cycle")
    return keras.optimizers.schedules.CosineDecay(
        start, decay_steps=total - warmup, warmup_target=peak, warmup_steps=warmup
    )


def schedule_epochs(values: Mapping[str, Any], default: int) -> int:
    """The epochs a trial's schedule spans: a Hyperband or ASHA round's own (it trains from
    `tuner/initial_epoch` to `tuner/epochs`, continuing an earlier round's weights with a
    new optimizer), so that every round ends annealed and is scored as such; else `default`.

    Spanning the whole training instead, a 1-epoch first round is scored one third into its
    one-cycle warmup, and a last round continuing from epoch 3 of 9 stops two thirds into
    its schedule, never annealed."""
    if HYPERBAND_EPOCHS not in values:
        return default
    return max(1, int(values[HYPERBAND_EPOCHS]) - int(values.get(ROUND_START, 0)))


def make_optimizer(recipe: Recipe, learning_rate: Any) -> keras.optimizers.Optimizer:
    """Adam, AdamW (decoupled weight decay) or SGD with Nesterov momentum 0.9."""
    decay = recipe.weight_decay or None
    if recipe.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate)
    if recipe.optimizer == "adamw":
        return keras.optimizers.AdamW(learning_rate, weight_decay=recipe.weight_decay)
    if recipe.optimizer == "sgd":
        return keras.optimizers.SGD(
            learning_rate, momentum=NESTEROV_MOMENTUM, nesterov=True, weight_decay=decay
        )
    raise ValueError(f"unknown optimizer {recipe.optimizer!r}: choose adam, adamw or sgd")


def make_loss(task_loss: str, recipe: Recipe) -> Any:
    """The task's loss, with label smoothing when the recipe has (or searches) it."""
    if not recipe.label_smoothing and not recipe.smoothing_searched:
        return task_loss
    if task_loss != SPARSE_CROSSENTROPY:
        raise ConfigError(
            f"training.recipe.label_smoothing is for classification; this task's loss is "
            f"{task_loss}: remove label_smoothing"
        )
    return SparseSmoothedCrossentropy(recipe.label_smoothing)


def batch_size_of(training: TrainingConfig, values: Mapping[str, Any]) -> int:
    """A trial's training batch size: its searched (or recipe-fixed) one, else the default."""
    config = training.recipe.batch_size
    if config is None:
        return training.batch_size
    return int(values.get("batch_size", config.fixed or training.batch_size))


def steps_per_epoch(train_examples: int, batch_size: int) -> int:
    return max(1, math.ceil(train_examples / batch_size))


def augmentation_layers(hp: Any, augment: AugmentConfig | None, shape: Any) -> list[Any]:
    """Pad-and-crop and cutout layers (on raw pixels, before rescaling), where asked for.

    Padding by N then a random crop back shifts the image by up to N pixels. Keras'
    RandomCrop passes the padded image through at inference, so a central crop follows:
    a no-op in training, the original image back at inference."""
    if augment is None:
        return []
    pad = int(declare(hp, "pad_crop", augment.pad_crop, int))
    cut = int(declare(hp, "cutout", augment.cutout, int))
    found: list[Any] = []
    height, width = shape[0], shape[1]
    if pad and height and width:
        found.append(keras.layers.ZeroPadding2D(pad, name="pad"))
        found.append(keras.layers.RandomCrop(height, width, name="pad_random_crop"))
        found.append(keras.layers.CenterCrop(height, width, name="pad_center_crop"))
    if cut:
        found.append(Cutout(cut, name="cutout"))
    return found
