"""The one training path: every training gets early stopping (with validation data), the
non-finite-loss guard and its epochs relayed, and a NaN loss is one clear error."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from search.errors import TrainingError
from search.experiment import load_experiment
from search.tuning.training import train


class Epochs:
    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []

    def epoch_ended(self, run_id, epoch, metrics) -> None:
        self.seen.append((run_id, epoch))


def _model(learning_rate: float = 0.01) -> keras.Model:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(
        keras.optimizers.SGD(learning_rate), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def _data(scale: float = 1.0) -> tf.data.Dataset:
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32") * scale
    y = (x[:, 0] > 0).astype("int64")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(8)


def _experiment(patience: int | None = None):
    return load_experiment("image-cnn").with_overrides(
        **{"training.epochs": 6, "training.early_stopping_patience": patience}
    )


def test_epochs_reach_the_listeners_under_the_run_id() -> None:
    epochs = Epochs()
    history = train(
        _model(), _experiment(), _data(), _data(), epochs=2, listeners=[epochs], run_id="t1"
    )
    assert epochs.seen == [("t1", 0), ("t1", 1)]
    assert len(history.history["val_accuracy"]) == 2


def test_early_stopping_applies_only_with_validation_data() -> None:
    frozen = _model(learning_rate=0.0)  # the objective never improves
    stopped = train(frozen, _experiment(patience=1), _data(), _data())
    assert len(stopped.history["loss"]) == 2, "stopped once patience ran out"
    unscored = train(_model(learning_rate=0.0), _experiment(patience=1), _data(), None)
    assert len(unscored.history["loss"]) == 6, "nothing to stop on without validation"


def test_a_nan_loss_is_a_training_error_with_its_reason() -> None:
    with pytest.raises(TrainingError, match="non-finite training loss"):
        train(_model(learning_rate=1e30), _experiment(), _data(scale=1e30), None, epochs=2)


def test_the_training_step_is_traced_once_not_again_for_the_optimizers_variables() -> None:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    traced = []
    step = model.train_step
    model.train_step = lambda data: traced.append(1) or step(data)  # runs while tracing only
    train(model, _experiment(), _data(), epochs=2)
    assert len(traced) == 1, "Keras built Adam's slots inside the step, and TF traced it twice"
