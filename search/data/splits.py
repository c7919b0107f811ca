"""A validation split carved from train when a dataset has none: seeded and stratified.

The carve is a boolean mask over the examples' positions, applied with a graph-mode
`filter`, so no example passes through Python; the order of a TFDS split read without
file shuffling is fixed, so the same seed always gives the same split.
"""

from __future__ import annotations

import logging

import numpy as np
import tensorflow as tf

log = logging.getLogger(__name__)


def validation_mask(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """True at the positions that go to validation: `fraction` of each class, chosen by `seed`.

    Falls back to an unstratified draw when a class has a single example (stratifying is then
    impossible).
    """
    from sklearn.model_selection import train_test_split

    from search.errors import DatasetError

    positions = np.arange(len(labels))
    counts = np.bincount(labels)
    classes = int((counts > 0).sum())
    stratify = labels if counts[counts > 0].min() >= 2 else None
    if stratify is None:
        log.warning("a class has a single training example: validation is drawn unstratified")
    # At least one example of each class on each side when stratified.
    size = max(round(fraction * len(labels)), classes if stratify is not None else 1)
    if len(labels) - size < (classes if stratify is not None else 1):
        raise DatasetError(
            f"too few training examples ({len(labels)}) to carve a validation split of "
            f"{fraction:.0%}: add a validation split, or more examples"
        )
    _, validation = train_test_split(
        positions, test_size=size, stratify=stratify, random_state=seed
    )
    mask = np.zeros(len(labels), dtype=bool)
    mask[validation] = True
    return mask


def split_by_mask(
    dataset: tf.data.Dataset, mask: np.ndarray
) -> tuple[tf.data.Dataset, tf.data.Dataset]:
    """(examples where mask is False, examples where it is True), each in the original order."""
    flags = tf.constant(mask)
    indexed = dataset.enumerate()

    def pick(wanted: bool) -> tf.data.Dataset:
        kept = indexed.filter(lambda i, example: tf.equal(tf.gather(flags, i), wanted))
        return kept.map(lambda i, example: example, num_parallel_calls=tf.data.AUTOTUNE)

    return pick(False), pick(True)


def labels_of(dataset: tf.data.Dataset) -> np.ndarray:
    """All labels of an (input, label) dataset, read in large batches."""
    batches = dataset.map(lambda x, y: y).batch(8192)
    return np.concatenate([b.numpy() for b in batches] or [np.zeros(0, np.int64)])
