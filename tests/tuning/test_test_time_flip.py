"""Test-time flip: the registered model averages over each image and its mirror image."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from search.errors import ConfigError, SpaceMismatchError
from search.experiment import validate_experiment
from search.recipe_config import AugmentConfig
from search.tuning.test_time_flip import with_test_time_flip

FLIPPING = AugmentConfig(flip="horizontal", test_time_flip=True)


def _model(shape: tuple[int, ...]) -> keras.Model:
    inputs = keras.Input(shape=shape)
    flat = keras.layers.Flatten()(inputs) if len(shape) > 1 else inputs
    outputs = keras.layers.Dense(3, activation="softmax")(flat)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_the_model_averages_its_scores_on_the_image_and_its_mirror_image(tmp_path) -> None:
    keras.utils.set_random_seed(3)
    model = _model((4, 5, 2))
    images = np.random.default_rng(3).random((6, 4, 5, 2)).astype("float32")
    labels = np.array([0, 1, 2, 0, 1, 2])
    model.fit(images, labels, epochs=1, verbose=0)  # trained, as every final model is

    flipped = with_test_time_flip(model, FLIPPING)

    expected = (model.predict(images, verbose=0) + model.predict(images[:, :, ::-1], verbose=0)) / 2
    assert not np.allclose(model.predict(images, verbose=0), expected)  # asymmetric weights
    np.testing.assert_allclose(flipped.predict(images, verbose=0), expected, rtol=1e-5)
    # Compiled as the model was: the same metrics, so the test scores read the same.
    scores = flipped.evaluate(images, labels, verbose=0, return_dict=True)
    assert set(scores) == set(model.evaluate(images, labels, verbose=0, return_dict=True))
    # Saved and loaded as any registered model is, it predicts the same.
    flipped.save(tmp_path / "flipped.keras")
    loaded = keras.saving.load_model(tmp_path / "flipped.keras")
    np.testing.assert_allclose(loaded.predict(images, verbose=0), expected, rtol=1e-5)


def test_without_the_setting_the_model_is_left_as_it_is() -> None:
    model = _model((4, 5, 2))
    assert with_test_time_flip(model, AugmentConfig(flip="horizontal")) is model


def test_a_model_of_vectors_is_refused_with_what_it_takes() -> None:
    with pytest.raises(SpaceMismatchError, match="one image input"):
        with_test_time_flip(_model((7,)), FLIPPING)


def test_test_time_flip_without_flip_augmentation_is_refused_in_one_line() -> None:
    data = {
        "name": "x",
        "space": {"name": "image-cnn"},
        "dataset": {"augment": {"test_time_flip": True}},
    }
    with pytest.raises(ConfigError, match="test_time_flip needs flip: horizontal") as error:
        validate_experiment(data, source="x.yaml")
    assert "\n" not in str(error.value)
