"""Image preprocessing: resizing in the input pipeline, scaling and augmentation in the model.

Resizing happens once, before the cache, so batches have one shape. Scaling and augmentation
are Keras layers inside the model: the exported model takes raw pixel values (0..255) at the
dataset's image size, and the random layers are only active while training.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import tensorflow as tf

from search.data.spec import DataSpec

SCALES = {"unit": (1.0 / 255, 0.0), "symmetric": (1.0 / 127.5, -1.0)}


def image_preprocessing_layers(
    spec: DataSpec, extra: Sequence[keras.layers.Layer] = ()
) -> list[keras.layers.Layer]:
    """Augmentation (if any, then `extra` random layers) on raw pixels, then scaling to the
    range spaces expect."""
    scale, offset = SCALES[spec.scaling]
    rescale = keras.layers.Rescaling(scale, offset, name="rescale")
    return [*augmentation_layers(spec), *extra, rescale]


def augmentation_layers(spec: DataSpec) -> list[keras.layers.Layer]:
    """The random layers that the dataset's `augment` settings ask for, in a fixed order."""
    augment = spec.augment
    if augment is None or not augment.active:
        return []
    height, width = spec.input_shape[0], spec.input_shape[1]
    layers: list[keras.layers.Layer] = []
    if augment.flip:
        layers.append(keras.layers.RandomFlip(augment.flip, name="random_flip"))
    if augment.crop and height and width:
        # Train: a random window, scaled back up; inference: the whole image (a no-op resize).
        keep = 1.0 - augment.crop
        layers.append(
            keras.layers.RandomCrop(
                max(1, round(height * keep)), max(1, round(width * keep)), name="random_crop"
            )
        )
        layers.append(keras.layers.Resizing(height, width, name="crop_resize"))
    if augment.translation:
        t = augment.translation
        layers.append(
            keras.layers.RandomTranslation(t, t, fill_mode="reflect", name="random_translation")
        )
    if augment.rotation:
        layers.append(
            keras.layers.RandomRotation(
                augment.rotation, fill_mode="reflect", name="random_rotation"
            )
        )
    if augment.zoom:
        layers.append(
            keras.layers.RandomZoom(augment.zoom, fill_mode="reflect", name="random_zoom")
        )
    return layers


def resize_images(dataset: tf.data.Dataset, size: tuple[int, int]) -> tf.data.Dataset:
    """(image, label) pairs with every image resized to `size`, kept as uint8 for a small cache."""

    target = tf.constant(size, tf.int32)

    def resized(image: tf.Tensor) -> tf.Tensor:
        pixels = tf.image.resize(image, size, antialias=True)
        return tf.cast(tf.clip_by_value(tf.round(pixels), 0, 255), tf.uint8)

    def resize(image: tf.Tensor, label: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        same = tf.reduce_all(tf.shape(image)[:2] == target)
        image = tf.cond(same, lambda: tf.cast(image, tf.uint8), lambda: resized(image))
        return tf.ensure_shape(image, (*size, None)), label

    return dataset.map(resize, num_parallel_calls=tf.data.AUTOTUNE)


def with_channels(dataset: tf.data.Dataset, have: int | None, want: int) -> tf.data.Dataset:
    """(image, label) pairs converted from `have` to `want` channels (1 <-> 3), when they differ
    (`dataset.channels` on a TFDS dataset: a colour one trained on gray, or the other way)."""
    if have is None or have == want:
        return dataset
    convert = tf.image.rgb_to_grayscale if want == 1 else tf.image.grayscale_to_rgb
    return dataset.map(lambda x, y: (convert(x), y), num_parallel_calls=tf.data.AUTOTUNE)
