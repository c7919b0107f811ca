"""Opens a dataset through TFDS: a registered name, or a folder of images or texts.

Each split is read with images still encoded, carved if needed, decoded once, resized to one
size, and cached; the test split is opened here but only evaluated after the search.
"""

from __future__ import annotations

import difflib
import logging
import math
import socket
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from search.data import features, folders, splits
from search.data.builders import OFFLINE_BUILDERS  # importing registers them with TFDS
from search.data.file_checks import check_folder
from search.data.image_files import ImageFiles
from search.data.loaded import LoadedData
from search.data.own_builder import open_own_builder
from search.data.pipeline import cached
from search.data.preprocessing import resize_images, with_channels
from search.data.spec import DataSpec
from search.errors import ConfigError, DatasetError, UnknownNameError
from search.experiment import DatasetConfig

log = logging.getLogger(__name__)

DOWNLOAD_HOST = ("storage.googleapis.com", 443)  # where TFDS fetches most datasets from
TEXT_BYTES_GUESS = 2_000  # per example, to decide where a text dataset is cached


def load_dataset(config: DatasetConfig, task: str | None = None) -> LoadedData:
    """Opens (preparing or downloading a TFDS name if needed) and checks the three splits.
    `task` decides whether a table's label is a class or a number (None: its values do)."""
    if config.kind == "table":
        from search.data.table_loading import load_table

        return load_table(config, task)
    builder, name, skipped, digest = open_builder(config)
    roles = _roles(builder, config)
    input_key, label_key = features.supervised_keys(builder, config.features)
    feature = builder.info.features[input_key]
    modality = features.modality(name, feature)
    label_kind = features.label_kind(name, label_key, builder.info.features[label_key])
    sizes = {role: _split_size(builder, split) for role, split in roles.items() if split}
    raw = {
        role: features.as_pair(_read(builder, split, input_key), input_key, label_key, label_kind)
        for role, split in roles.items()
        if split
    }
    source = f"split '{roles['validation']}'"
    if roles["validation"] is None:
        source = _carve(raw, sizes, config, stratified=label_kind == "class")
    mean, std = 0.0, 1.0
    if label_kind == "number":
        mean, std = features.label_stats(splits.labels_of(raw["train"]))
    decoded = {role: _decode(ds, feature) for role, ds in raw.items()}
    shape: tuple[int, ...] = ()
    if modality == "image":
        shape = _image_shape(config, feature, decoded["train"], name)
        decoded = {
            role: resize_images(with_channels(ds, feature.shape[-1], shape[-1]), shape[:2])
            for role, ds in decoded.items()
        }
    per_example = math.prod(shape) if shape else TEXT_BYTES_GUESS
    opened = {
        role: cached(ds, per_example * sizes[role], config.cache, f"{name}-{role}")
        for role, ds in decoded.items()
    }
    label = builder.info.features[label_key]
    spec = DataSpec(
        name=name,
        version=str(builder.version),
        modality=modality,
        input_shape=shape or tuple(feature.shape),
        num_classes=label.num_classes if label_kind == "class" else 0,
        class_names=tuple(label.names) if label_kind == "class" else (),
        label_kind=label_kind,
        label_mean=mean,
        label_std=std,
        builder_digest=digest,
        split_sizes={role: sizes[role] for role in ("train", "validation", "test")},
        scaling=config.scaling,
        augment=config.augment if modality == "image" else None,
        skipped_files=skipped,
    )
    return LoadedData(spec=spec, validation_source=source, **opened)


def _carve(
    raw: dict[str, tf.data.Dataset], sizes: dict[str, int], config: DatasetConfig, stratified: bool
) -> str:
    """Splits raw['train'] into train and validation in place; says how, for the log."""
    labels = splits.labels_of(raw["train"])
    if not stratified:  # numbers: one stratum
        labels = np.zeros(len(labels), np.int64)
    mask = splits.validation_mask(labels, config.validation_fraction, config.split_seed)
    raw["train"], raw["validation"] = splits.split_by_mask(raw["train"], mask)
    sizes["train"], sizes["validation"] = int((~mask).sum()), int(mask.sum())
    for role in ("train", "validation"):  # so Keras knows the number of batches
        raw[role] = raw[role].apply(tf.data.experimental.assert_cardinality(sizes[role]))
    return (
        f"carved {config.validation_fraction:.0%} of '{config.train_split}', "
        f"{'stratified' if stratified else 'at random'}, "
        f"seed {config.split_seed}"
    )


def open_builder(config: DatasetConfig) -> tuple[tfds.core.DatasetBuilder, str, int, str | None]:
    """A ready-to-read TFDS builder for the configured dataset, the dataset's name, how many
    unreadable files were left out (folders with `skip_unreadable` only), and the source
    digest of the user's own builder (`dataset.builder` only)."""
    if config.kind == "tfds" and config.builder:
        own, digest = open_own_builder(config.builder, config.data_dir, config.version)
        return own, own.name, 0, digest
    if config.kind == "tfds":
        builder = _registered_builder(config)
        _prepare(builder, config)
        return builder, builder.name, 0, None
    assert config.path is not None  # the config validator requires it
    root = folders.materialize(folders.resolve_path(config.path))
    splits = _folder_splits(root, config)
    listing = folders.list_folder(root, config.kind, splits)
    checked = check_folder(listing, config.kind, config.skip_unreadable, config.channels)
    folders.check_classes(root, checked.listing.examples, splits)  # skipping may empty one
    name = Path(config.path).name.split(".")[0]
    if config.kind == "image_folder":
        assert checked.channels is not None
        return ImageFiles(checked.listing, checked.channels), name, len(checked.skipped), None
    from search.data.text_folder import TextFolder

    return TextFolder(checked.listing), name, len(checked.skipped), None


def _folder_splits(root: Path, config: DatasetConfig) -> list[str]:
    validation = config.validation_split
    if validation is None and (
        (root / "validation").is_dir() or (root / "validation.csv").is_file()
    ):
        validation = "validation"
    return [config.train_split, *([validation] if validation else []), config.test_split]


def _registered_builder(config: DatasetConfig) -> tfds.core.DatasetBuilder:
    try:
        return tfds.builder(config.name, data_dir=config.data_dir, version=config.version)
    except tfds.core.registered.DatasetNotFoundError:
        known = tfds.list_builders(with_community_datasets=False)
        close = difflib.get_close_matches(config.name, known, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownNameError(
            f"unknown TFDS dataset '{config.name}'.{hint} "
            f"Offline datasets shipped with search: {', '.join(OFFLINE_BUILDERS)}"
        ) from None
    except (AssertionError, ValueError) as error:  # e.g. a version TFDS does not have
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        reason = first.rsplit('": ', 1)[-1]  # without TFDS's "Failed to construct ..." prefix
        raise ConfigError(f"dataset '{config.name}': {reason}") from None


def _prepare(builder: tfds.core.DatasetBuilder, config: DatasetConfig) -> None:
    """Reads a prepared dataset as is; prepares ours offline; downloads others when online."""
    if builder.is_prepared():
        return
    ours = type(builder).__module__.startswith("search.")
    how = (
        f"prepare it where there is internet (`tfds build {builder.name} --data_dir DIR`), "
        "copy DIR here and point dataset.data_dir (or --data-dir) at it"
    )
    if not ours and not _online():
        raise DatasetError(
            f"TFDS dataset '{builder.name}' {builder.version} is not prepared in "
            f"{builder.data_dir} and cannot be downloaded (no connection to "
            f"{DOWNLOAD_HOST[0]}): {how}"
        )
    try:
        builder.download_and_prepare()
    except Exception as error:  # TFDS raises many kinds: network, checksum, manual download
        first = str(error).splitlines()[0] if str(error) else ""
        raise DatasetError(
            f"cannot prepare TFDS dataset '{builder.name}' in {builder.data_dir}: "
            f"{type(error).__name__}: {first} ({how})"
        ) from error


def _online(timeout: float = 3.0) -> bool:
    """Whether TFDS's download host answers: an offline download would retry for minutes."""
    try:
        socket.create_connection(DOWNLOAD_HOST, timeout=timeout).close()
    except OSError:
        return False
    return True


def _roles(builder: tfds.core.DatasetBuilder, config: DatasetConfig) -> dict[str, str | None]:
    """The split read for each role; validation None means: carve it from train."""
    available = set(builder.info.splits.keys())
    validation = config.validation_split
    if validation is None and "validation" in available:
        validation = "validation"
    return {"train": config.train_split, "validation": validation, "test": config.test_split}


def _read(builder: tfds.core.DatasetBuilder, split: str, input_key: str) -> tf.data.Dataset:
    """Feature dicts in the split's fixed order, images still encoded."""
    skip = isinstance(builder.info.features[input_key], tfds.features.Image)
    return builder.as_dataset(
        split=split,
        as_supervised=False,
        shuffle_files=False,
        decoders={input_key: tfds.decode.SkipDecoding()} if skip else None,
    )


def _decode(dataset: tf.data.Dataset, feature: tfds.features.FeatureConnector) -> tf.data.Dataset:
    if not isinstance(feature, tfds.features.Image):
        return dataset
    return dataset.map(
        lambda x, y: (feature.decode_example(x), y), num_parallel_calls=tf.data.AUTOTUNE
    )


def _image_shape(
    config: DatasetConfig,
    feature: tfds.features.FeatureConnector,
    train: tf.data.Dataset,
    name: str,
) -> tuple[int, int, int]:
    """The configured size, else the dataset's fixed size, else the first training image's."""
    channels = config.channels or feature.shape[-1] or 3
    if config.image_size:
        return (*config.image_size, channels)
    height, width = feature.shape[:2]
    if height and width:
        return (height, width, channels)
    first = next(iter(train.take(1)), None)
    if first is None:
        raise DatasetError(f"dataset '{name}' has no training examples")
    height, width = (int(d) for d in first[0].shape[:2])
    log.info("dataset %s: images resized to %dx%d, the size of the first one", name, height, width)
    return (height, width, channels)


def _split_size(builder: tfds.core.DatasetBuilder, split: str) -> int:
    try:
        return int(builder.info.splits[split].num_examples)
    except (KeyError, ValueError):
        available = ", ".join(builder.info.splits.keys())
        raise ConfigError(
            f"dataset '{builder.name}' has no split '{split}'; it has: {available}"
        ) from None
