"""The compute a search spent: forward FLOPs x 3 x samples seen, over every trial, so that
searches on different machines compare (seconds do not)."""

from __future__ import annotations

from typing import Any

import keras

from search.speed.flops import forward_flops, training_flops


class ComputeTally:
    """Sums training FLOPs; one per search, shared by every trial's `ComputeCounter`."""

    def __init__(self, samples_per_epoch: int) -> None:
        self.samples_per_epoch = samples_per_epoch
        self.flops = 0.0
        self.uncounted_epochs = 0  # epochs of models whose FLOPs could not be counted

    def add_epoch(self, forward: float | None) -> None:
        if forward is None:
            self.uncounted_epochs += 1
        else:
            self.flops += training_flops(forward, self.samples_per_epoch)

    @property
    def pflop(self) -> float:
        return self.flops / 1e15


class ComputeCounter(keras.callbacks.Callback):
    """Counts its model's forward FLOPs when training begins and adds each epoch to the tally;
    shared, not copied, across keras-tuner's executions (it holds the tally)."""

    def __init__(self, tally: ComputeTally) -> None:
        super().__init__()
        self.tally = tally
        self._forward: float | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> ComputeCounter:
        return self

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._forward = forward_flops(self.model)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.tally.add_epoch(self._forward)


def count_compute(tuner: Any, samples_per_epoch: int) -> ComputeTally:
    """A tally of the training compute of every trial `tuner` runs in this process (its
    trial callbacks gain a `ComputeCounter`)."""
    tally = ComputeTally(samples_per_epoch)
    callbacks_for = tuner.callbacks_for
    tuner.callbacks_for = lambda trial_id: [*callbacks_for(trial_id), ComputeCounter(tally)]
    return tally
