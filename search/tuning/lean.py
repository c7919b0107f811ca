"""Per-trial work keras-tuner does that costs time without buying anything, done leaner.

- Clean-up once: keras-tuner clears the Keras session and then collects garbage again before
  every build, but `keras.backend.clear_session()` already runs the garbage collector.
- A cheap collection: that collection walks every object Python tracks, about 500,000 once
  TensorFlow, Keras and MLflow are imported (0.35-0.5 s a trial here). Objects alive when the
  search starts are frozen out of it (`gc.freeze`) for the search's length; garbage a trial
  makes is still collected.
- One checkpoint write per trial: keras-tuner writes the weights file at every epoch that
  improves the objective (about 60 ms each, most epochs early on). The best epoch's weights
  are kept in memory instead and written once when training ends, before the trial is
  reported done. A trial killed mid-way is run again from scratch on resume, so the file
  written mid-trial bought nothing.
"""

from __future__ import annotations

import gc
import math
from typing import Any

import keras
import keras_tuner as kt

from search.tuning.keras_tuner_internals import SaveBestEpoch, TunerSteps, write_checkpoint


class BestEpochCheckpoint(keras.callbacks.Callback):
    """Stands in for keras-tuner's `SaveBestEpoch` (`original`) in one execution of a trial:
    the best epoch's weights kept in memory, written by `original` once, when training ends.
    The best value so far lives on `original`, shared by the trial's executions, as there."""

    def __init__(self, original: SaveBestEpoch) -> None:
        super().__init__()
        self.original = original
        self._best: tuple[list[Any], list[Any]] | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        objective = self.original.objective
        if objective.has_value(logs):  # else every epoch counts, as in SaveBestEpoch
            value = objective.get_value(logs)
            if not objective.better_than(value, self.original.best_value):
                return
            self.original.best_value = value
        self._best = _snapshot(self.model)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self._best is None:
            return
        current = _snapshot(self.model)
        _restore(self.model, *self._best)
        self._best = None
        self.original.set_model(self.model)
        write_checkpoint(self.original)
        _restore(self.model, *current)


def _snapshot(model: keras.Model) -> tuple[list[Any], list[Any]]:
    optimizer = model.optimizer
    values = [keras.ops.convert_to_numpy(v) for v in optimizer.variables] if optimizer else []
    return model.get_weights(), values


def _restore(model: keras.Model, weights: list[Any], optimizer_values: list[Any]) -> None:
    model.set_weights(weights)
    if model.optimizer is not None:
        for variable, value in zip(model.optimizer.variables, optimizer_values, strict=False):
            variable.assign(value)


class SingleCleanupMixin(TunerSteps):
    """Mixed in before a keras-tuner Tuner: one garbage collection per trial, over the objects
    the search made; the best epoch written once per execution, to the file keras-tuner reads."""

    def search(self, *args: Any, **kwargs: Any) -> Any:
        gc.collect()
        gc.freeze()  # what exists now outlives the search: no trial's collection need walk it
        try:
            return super().search(*args, **kwargs)  # type: ignore[misc]
        finally:
            gc.unfreeze()

    def build_trial_model(self, hp: kt.HyperParameters) -> Any:
        keras.backend.clear_session(free_memory=True)
        model = self.build_hypermodel(hp)
        if not isinstance(model, keras.Model):
            raise kt.errors.FatalTypeError(
                f"the space's build must return a keras.Model, got {type(model).__name__}"
            )
        size = sum(math.prod(w.shape) for w in model.trainable_weights) if model.built else 0
        if self.max_model_size and size > self.max_model_size:  # type: ignore[attr-defined]
            raise kt.errors.FailedTrialError(f"Oversized model: {size} parameters. Skip model.")
        return model

    def execution_callbacks(self, callbacks: list[Any]) -> list[Any]:
        return [BestEpochCheckpoint(c) if type(c) is SaveBestEpoch else c for c in callbacks]
