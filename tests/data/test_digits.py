from __future__ import annotations

import numpy as np
import pytest
import tensorflow_datasets as tfds

from search.data.loading import load_dataset
from search.data.pipeline import training_pipeline
from search.errors import ConfigError, UnknownNameError
from search.experiment import DatasetConfig


def test_digits_prepare_offline_with_a_fixed_stratified_split(tfds_dir) -> None:
    data = load_dataset(DatasetConfig(name="sklearn_digits", data_dir=str(tfds_dir)))
    assert data.spec.split_sizes == {"train": 1257, "validation": 270, "test": 270}
    assert data.spec.input_shape == (8, 8, 1) and data.spec.num_classes == 10
    assert data.spec.modality == "image"
    labels = np.array([int(y) for _, y in data.test])
    assert np.bincount(labels, minlength=10).min() >= 25  # every digit is in the test split
    image, _ = next(iter(data.train))
    assert image.dtype.name == "uint8" and int(image.numpy().max()) > 200


def test_splits_are_disjoint(tfds_dir) -> None:
    builder = tfds.builder("sklearn_digits", data_dir=str(tfds_dir))
    keys = {}
    for split in ("train", "validation", "test"):
        ds = builder.as_dataset(split=split, read_config=tfds.ReadConfig(add_tfds_id=True))
        keys[split] = {bytes(ex["tfds_id"].numpy()) for ex in ds}
    assert not keys["train"] & keys["test"] and not keys["train"] & keys["validation"]


def test_training_pipeline_batches_float_pixels_and_is_seeded(tfds_dir) -> None:
    data = load_dataset(DatasetConfig(name="sklearn_digits", data_dir=str(tfds_dir)))
    first = [y.numpy().tolist() for _, y in training_pipeline(data.train, 32, 7, 1257).take(2)]
    again = [y.numpy().tolist() for _, y in training_pipeline(data.train, 32, 7, 1257).take(2)]
    x, _ = next(iter(training_pipeline(data.train, 32, 7, 1257)))
    assert x.shape == (32, 8, 8, 1) and x.dtype.name == "float32"
    assert first == again


def test_unknown_dataset_suggests_close_names() -> None:
    with pytest.raises(
        UnknownNameError, match=r"unknown TFDS dataset 'mnits'\. Did you mean: .*mnist"
    ):
        load_dataset(DatasetConfig(name="mnits"))


def test_missing_split_lists_the_available_ones(tfds_dir) -> None:
    config = DatasetConfig(name="sklearn_digits", data_dir=str(tfds_dir), validation_split="dev")
    with pytest.raises(ConfigError, match="dataset 'sklearn_digits' has no split 'dev'; it has: "):
        load_dataset(config)
