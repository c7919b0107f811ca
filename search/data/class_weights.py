"""Balanced class weights (`training.class_weight: balanced`) as per-example sample weights.

Weights go into the training pipeline itself, not into `fit(class_weight=...)`, so that every
path that trains a model (a trial, the chief's retrain, `search train`) gets them alike.
"""

from __future__ import annotations

import logging

import numpy as np
import tensorflow as tf

from search.data.splits import labels_of

log = logging.getLogger(__name__)


def balanced_weights(examples: tf.data.Dataset) -> np.ndarray:
    """n / (classes * n_c) for each class id c present in the (input, label) examples; 0 for
    ids absent (no example carries them)."""
    labels = labels_of(examples)
    counts = np.bincount(labels).astype("float64")
    present = counts > 0
    weights = np.zeros_like(counts)
    weights[present] = len(labels) / (present.sum() * counts[present])
    log.info("class weights (balanced): %s", ", ".join(f"{w:.3g}" for w in weights))
    return weights.astype("float32")


def with_sample_weights(batches: tf.data.Dataset, weights: np.ndarray) -> tf.data.Dataset:
    """(x, y) batches as (x, y, weight of y's class)."""
    table = tf.constant(weights)

    def add(x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        return x, y, tf.gather(table, tf.cast(tf.reshape(y, [-1]), tf.int32))

    return batches.map(add, num_parallel_calls=tf.data.AUTOTUNE)
