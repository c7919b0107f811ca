"""Batch-norm statistics recomputed before a short training is scored: the validation of a
trial's first epochs sees statistics of its current weights, not Keras' lagging averages."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from search.experiment import load_experiment
from search.tuning import precise_bn
from search.tuning.precise_bn import recompute_statistics
from search.tuning.training import train

BATCHES = [np.full((4, 2), float(i), "float32") + [[0.0], [1.0], [2.0], [3.0]] for i in range(4)]


def _dataset() -> tf.data.Dataset:
    x = np.concatenate(BATCHES)
    return tf.data.Dataset.from_tensor_slices((x, np.zeros(len(x), "int64"))).batch(4)


def _model() -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.Sequential([keras.layers.BatchNormalization(momentum=0.99)]),  # nested
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
    return model


def _moving_mean(model: keras.Model) -> np.ndarray:
    [norm] = list(precise_bn.batch_norms(model))
    return keras.ops.convert_to_numpy(norm.moving_mean)


def test_the_statistics_are_the_mean_over_the_batches_and_the_momentum_is_kept() -> None:
    model = _model()
    assert recompute_statistics(model, _dataset(), examples=9) == 3, "4 + 4 + 4 examples"
    expected = np.mean([b.mean(axis=0) for b in BATCHES[:3]], axis=0)  # 1.5 + 1 = 2.5
    np.testing.assert_allclose(_moving_mean(model), expected, rtol=1e-6)
    assert list(precise_bn.batch_norms(model))[0].momentum == 0.99
    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    assert recompute_statistics(plain, _dataset()) == 0, "no batch norm: nothing to do"


def test_a_short_training_is_validated_on_its_own_statistics() -> None:
    model = _model()
    train(model, load_experiment("image-cnn"), _dataset(), _dataset(), epochs=1)
    # Keras' average after 4 steps at momentum 0.99 would still be about 0.04 x the data's
    expected = np.mean([b.mean(axis=0) for b in BATCHES], axis=0)
    np.testing.assert_allclose(_moving_mean(model), expected, rtol=1e-6)


def test_after_enough_steps_keras_own_averages_are_kept(monkeypatch) -> None:
    monkeypatch.setattr(precise_bn, "TRUSTED_AFTER_STEPS", 2)
    model = _model()
    train(model, load_experiment("image-cnn"), _dataset(), _dataset(), epochs=1)
    assert _moving_mean(model)[0] == pytest.approx(0.1, abs=0.05), "0.99's lagging average"
