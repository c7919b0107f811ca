"""tf.data input pipelines: decode once, cache, shuffle with the seed, batch, vectorized map.

`cached` is applied once by `search.data.loading` to the decoded (and resized) examples of
each split; the pipelines below only shuffle, batch and cast, so every epoch after the first
reads from the cache.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from functools import cache

import tensorflow as tf

log = logging.getLogger(__name__)

SHUFFLE_BUFFER_LIMIT = 50_000
MEMORY_SHARE = 0.25  # of physical memory, at most, for the in-memory caches of one search


def memory_budget() -> int:
    """Bytes a dataset's cache may take in memory."""
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * MEMORY_SHARE)


@cache
def _cache_dir() -> str:
    """A private folder for file caches, removed when the process exits."""
    path = tempfile.mkdtemp(prefix="search-cache-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def cached(dataset: tf.data.Dataset, estimated_bytes: int, mode: str, name: str) -> tf.data.Dataset:
    """The dataset cached in memory when it fits (or `mode == "memory"`), else in a file."""
    if mode == "memory" or (mode == "auto" and estimated_bytes <= memory_budget()):
        return dataset.cache()
    path = os.path.join(_cache_dir(), name)
    log.info("caching %s (about %.1f GB) in %s", name, estimated_bytes / 1e9, path)
    return dataset.cache(path)


def _as_model_input(features: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Images go in as float32 pixel values (0..255): the model's first layers rescale them.
    Tables (a dict of columns) are already as their model takes them."""
    if not isinstance(features, dict) and features.dtype != tf.string:
        features = tf.cast(features, tf.float32)
    return features, labels


def training_pipeline(
    dataset: tf.data.Dataset, batch_size: int, seed: int, size: int
) -> tf.data.Dataset:
    """Cached examples reshuffled every epoch from a seeded order, batched, then cast per batch."""
    buffer = max(1, min(size, SHUFFLE_BUFFER_LIMIT))
    return (
        dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .map(_as_model_input, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def evaluation_pipeline(dataset: tf.data.Dataset, batch_size: int) -> tf.data.Dataset:
    """Cached examples in order, batched: for validation and test."""
    return (
        dataset.batch(batch_size)
        .map(_as_model_input, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
