"""The compute a search spent: forward FLOPs x 3 x samples seen, over every trial, so that
searches on different machines compare (seconds do not).

Each trial counts its own (`search.tuning.measured`: its `train_pflop`, kept by the oracle
with its measures and logged on its run), in whatever process trains it; the search's is
their sum over the oracle's trials, and the refit's added (`search.refit`). A trial that
failed, or the part of one a kill interrupted, is not counted; nor is the test evaluation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import keras

from search.speed.flops import forward_flops, training_flops
from search.tracking.schema import TRAIN_PFLOP


class ComputeTally:
    """Sums training FLOPs: of one trial (shared by its executions' `ComputeCounter`), or of
    the refit."""

    def __init__(self, samples_per_epoch: int) -> None:
        self.samples_per_epoch = samples_per_epoch
        self.flops = 0.0
        self.uncounted_epochs = 0  # epochs of models whose FLOPs could not be counted

    def add_epoch(self, forward: float | None, samples: int | None = None) -> None:
        """One epoch of a model with `forward` FLOPs over `samples` (default: the trials')."""
        if forward is None:
            self.uncounted_epochs += 1
        else:
            self.flops += training_flops(forward, samples or self.samples_per_epoch)

    @property
    def pflop(self) -> float:
        return self.flops / 1e15


class ComputeCounter(keras.callbacks.Callback):
    """Counts its model's forward FLOPs when training begins and adds each epoch to the tally;
    shared, not copied, across keras-tuner's executions (it holds the tally)."""

    def __init__(self, tally: ComputeTally, samples_per_epoch: int | None = None) -> None:
        super().__init__()
        self.tally = tally
        self.samples_per_epoch = samples_per_epoch  # None: the tally's (a trial's epoch)
        self._forward: float | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> ComputeCounter:
        return self

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._forward = forward_flops(self.model)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.tally.add_epoch(self._forward, self.samples_per_epoch)


def trials_pflop(trials: Iterable[Any]) -> float | None:
    """The training compute of `trials` (keras-tuner trials), each trial's own `train_pflop`
    as its process recorded it: a worker's trials and those run before a resume count as
    the chief's do. None when no trial has one (nothing counted: a model without a count)."""
    counted = [
        t.metrics.get_last_value(TRAIN_PFLOP) for t in trials if t.metrics.exists(TRAIN_PFLOP)
    ]
    return float(sum(counted)) if counted else None
