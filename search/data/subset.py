"""A seeded subset of a split: what trials train on with `tuner.explore_fraction` < 1.

Examples are kept by a seeded random mask over their positions, not by taking the first
ones: a folder's train split can be ordered by class, and its first tenth would then hold
one class only. The subset is the same every epoch and every trial, so trials compare.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf


def subset_size(size: int, fraction: float) -> int:
    """How many of `size` examples a `fraction` keeps: at least one, at most all."""
    return max(1, min(size, math.ceil(size * fraction)))


def seeded_subset(dataset: tf.data.Dataset, size: int, count: int, seed: int) -> tf.data.Dataset:
    """`count` of the `size` examples of `dataset`, chosen by `seed`, in their own order."""
    if count >= size:
        return dataset
    keep = np.zeros(size, dtype=bool)
    keep[np.random.default_rng(seed).choice(size, count, replace=False)] = True
    mask = tf.constant(keep)
    chosen = dataset.enumerate().filter(lambda i, _: tf.gather(mask, i))
    return chosen.map(lambda _, example: example).apply(
        tf.data.experimental.assert_cardinality(count)
    )
