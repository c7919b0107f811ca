"""tf.data input pipelines: decode once, cache, shuffle with the seed, batch, vectorized map."""

from __future__ import annotations

import tensorflow as tf

SHUFFLE_BUFFER_LIMIT = 50_000


def _as_model_input(features: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Images go in as float32 pixel values (0..255): the model's first layer rescales them."""
    if features.dtype != tf.string:
        features = tf.cast(features, tf.float32)
    return features, labels


def training_pipeline(
    dataset: tf.data.Dataset, batch_size: int, seed: int, size: int
) -> tf.data.Dataset:
    """Cached examples reshuffled every epoch from a seeded order, batched, then cast per batch."""
    buffer = max(1, min(size, SHUFFLE_BUFFER_LIMIT))
    return (
        dataset.cache()
        .shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .map(_as_model_input, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def evaluation_pipeline(dataset: tf.data.Dataset, batch_size: int) -> tf.data.Dataset:
    """Cached, in order, batched: for validation and test."""
    return (
        dataset.cache()
        .batch(batch_size)
        .map(_as_model_input, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
