"""Loads any TFDS dataset by name: our offline builders prepare locally, others download."""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass

import tensorflow as tf
import tensorflow_datasets as tfds

from search.data.builders import OFFLINE_BUILDERS  # importing registers them with TFDS
from search.data.spec import DataSpec, Modality
from search.errors import ConfigError, DatasetError, UnknownNameError
from search.experiment import DatasetConfig

log = logging.getLogger(__name__)


@dataclass
class LoadedData:
    """The three splits as unbatched (features, label) datasets, and their spec."""

    spec: DataSpec
    train: tf.data.Dataset
    validation: tf.data.Dataset
    test: tf.data.Dataset


def load_dataset(config: DatasetConfig) -> LoadedData:
    """Prepares (offline builders) or downloads (other TFDS names) and opens the three splits."""
    builder = _builder(config)
    _prepare(builder, config)
    splits = {
        "train": config.train_split,
        "validation": config.validation_split,
        "test": config.test_split,
    }
    sizes = {role: _split_size(builder, split) for role, split in splits.items()}
    spec = _spec(builder, sizes)
    opened = {
        role: builder.as_dataset(split=split, as_supervised=True, shuffle_files=False)
        for role, split in splits.items()
    }
    return LoadedData(spec=spec, **opened)


def _builder(config: DatasetConfig) -> tfds.core.DatasetBuilder:
    try:
        return tfds.builder(config.name, data_dir=config.data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        known = tfds.list_builders(with_community_datasets=False)
        close = difflib.get_close_matches(config.name, known, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownNameError(
            f"unknown TFDS dataset '{config.name}'.{hint} "
            f"Offline datasets shipped with search: {', '.join(OFFLINE_BUILDERS)}"
        ) from None


def _prepare(builder: tfds.core.DatasetBuilder, config: DatasetConfig) -> None:
    try:
        builder.download_and_prepare()
    except Exception as error:  # TFDS raises many kinds: network, checksum, manual download
        raise DatasetError(
            f"cannot prepare TFDS dataset '{config.name}' in {builder.data_dir}: "
            f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''} "
            "(downloads need internet; or prepare it elsewhere and point dataset.data_dir at it)"
        ) from error


def _split_size(builder: tfds.core.DatasetBuilder, split: str) -> int:
    try:
        return int(builder.info.splits[split].num_examples)
    except (KeyError, ValueError):
        available = ", ".join(builder.info.splits.keys())
        raise ConfigError(
            f"dataset '{builder.name}' has no split '{split}'; it has: {available}"
        ) from None


def _spec(builder: tfds.core.DatasetBuilder, sizes: dict[str, int]) -> DataSpec:
    info = builder.info
    if not info.supervised_keys:
        raise DatasetError(f"dataset '{builder.name}' has no (input, label) supervised keys")
    input_key, label_key = info.supervised_keys[:2]
    feature, label = info.features[input_key], info.features[label_key]
    if not isinstance(label, tfds.features.ClassLabel):
        raise DatasetError(f"dataset '{builder.name}': label '{label_key}' is not a class label")
    return DataSpec(
        name=builder.name,
        version=str(builder.version),
        modality=_modality(builder.name, feature),
        input_shape=tuple(feature.shape),
        num_classes=label.num_classes,
        class_names=tuple(label.names),
        split_sizes=sizes,
    )


def _modality(name: str, feature: tfds.features.FeatureConnector) -> Modality:
    if isinstance(feature, tfds.features.Image):
        return "image"
    if isinstance(feature, tfds.features.Text):
        return "text"
    raise DatasetError(
        f"dataset '{name}': input feature {type(feature).__name__} is neither an image nor text"
    )
