"""Scaling and augmentation are layers of the model: raw pixels in, random only in training."""

from __future__ import annotations

import keras
import numpy as np

from search.data.preprocessing import augmentation_layers, image_preprocessing_layers
from search.data.spec import DataSpec
from search.experiment import AugmentConfig


def _spec(**fields) -> DataSpec:
    return DataSpec(
        name="x",
        version="1",
        modality="image",
        input_shape=(16, 16, 3),
        num_classes=2,
        class_names=("a", "b"),
        **fields,
    )


def _apply(layers, images, training):
    x = images
    for layer in layers:
        x = layer(x, training=training)
    return keras.ops.convert_to_numpy(x)


def test_scaling_maps_raw_pixels_to_the_chosen_range() -> None:
    pixels = np.array([[[[0.0, 127.5, 255.0]]]], np.float32)
    assert np.allclose(_apply(image_preprocessing_layers(_spec()), pixels, False), [0, 0.5, 1])
    symmetric = image_preprocessing_layers(_spec(scaling="symmetric"))
    assert np.allclose(_apply(symmetric, pixels, False), [-1, 0, 1])


def test_no_augmentation_unless_asked() -> None:
    assert augmentation_layers(_spec()) == []
    assert augmentation_layers(_spec(augment=AugmentConfig())) == []


def test_augmentation_is_random_in_training_and_the_identity_at_inference() -> None:
    augment = AugmentConfig(flip="horizontal", translation=0.2, crop=0.25, rotation=0.1, zoom=0.1)
    layers = augmentation_layers(_spec(augment=augment))
    names = [layer.name for layer in layers]
    assert names == [
        "random_flip",
        "random_crop",
        "crop_resize",
        "random_translation",
        "random_rotation",
        "random_zoom",
    ]
    images = np.random.default_rng(0).uniform(0, 255, (4, 16, 16, 3)).astype(np.float32)
    assert np.allclose(_apply(layers, images, False), images, atol=1e-3)
    trained = _apply(layers, images, True)
    assert trained.shape == images.shape and not np.allclose(trained, images, atol=1.0)
