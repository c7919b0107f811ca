"""The task decides head, loss, metrics and default objective; spaces end in features."""

from __future__ import annotations

import keras
import keras_tuner as kt
import numpy as np
import pytest

from search.data.spec import DataSpec
from search.errors import UnknownNameError
from search.tuning.hypermodel import SpaceHyperModel
from search.tuning.task import TASKS
from spaces import SPACES

DIGITS = DataSpec("sklearn_digits", "1.0.0", "image", (8, 8, 1), 10, tuple("0123456789"))


@pytest.mark.parametrize("name", ["image-cnn", "image-mlp"])
def test_spaces_end_in_features_and_the_task_adds_the_classifier(name: str) -> None:
    inputs = keras.Input((8, 8, 1))
    features = SPACES.get(name).build(kt.HyperParameters(), inputs, DIGITS)
    alone = keras.Model(inputs, features)
    assert len(features.shape) == 2 and "probabilities" not in [x.name for x in alone.layers]
    model = SpaceHyperModel(SPACES.get(name), DIGITS).build(kt.HyperParameters())
    head = model.get_layer("probabilities")
    assert head.units == DIGITS.num_classes and head.dtype_policy.name == "float32"
    probabilities = model.predict_on_batch(np.zeros((3, 8, 8, 1), "float32"))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert model.loss == "sparse_categorical_crossentropy"


def test_classification_is_the_default_task() -> None:
    task = TASKS.get("classification")
    assert (task.objective, task.direction, task.metrics) == ("val_accuracy", "max", ("accuracy",))
    assert SpaceHyperModel(SPACES.get("image-cnn"), DIGITS).task is task


def test_an_unknown_task_names_the_valid_ones() -> None:
    with pytest.raises(UnknownNameError, match="unknown task 'clasification'.*'classification'"):
        SpaceHyperModel(SPACES.get("image-cnn"), DIGITS, task="clasification")
