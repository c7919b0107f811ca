"""What `search data` shows: known datasets, and one dataset's classes, splits and samples."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf

from search.data.folders import IMAGE_SUFFIXES, materialize, resolve_path
from search.data.loading import LoadedData, load_dataset
from search.data.splits import labels_of
from search.errors import ConfigError
from search.experiment import DatasetConfig, available_experiments, load_experiment

CELL_PIXELS = 32  # small images are enlarged to at least this in the sample grid


@dataclass
class Inspection:
    """A dataset as `search data inspect` reports it."""

    data: LoadedData
    config: DatasetConfig
    class_counts: dict[str, list[int]] = field(default_factory=dict)
    samples: dict[str, list[str]] = field(default_factory=dict)  # text: a few per class
    label_ranges: dict[str, tuple[float, float, float]] = field(default_factory=dict)  # numbers


def dataset_config(name_or_path: str, data_dir: str | None = None) -> DatasetConfig:
    """A folder, a `.tar` of one, an experiment (name or YAML), or else a TFDS name."""
    if name_or_path.endswith((".yaml", ".yml")) or name_or_path in available_experiments():
        config = load_experiment(name_or_path).dataset
    elif Path(name_or_path).is_dir() and any(Path(name_or_path).glob("*_dataset_builder.py")):
        config = DatasetConfig(builder=str(Path(name_or_path).resolve()))  # `tfds new` layout
    elif (path := _existing(name_or_path)) is not None:
        kind = "image_folder" if _holds_images(materialize(path)) else "text_folder"
        config = DatasetConfig(kind=kind, path=str(path))
    else:
        config = DatasetConfig(name=name_or_path)
    return config.model_copy(update={"data_dir": data_dir}) if data_dir else config


def _existing(path: str) -> Path | None:
    try:
        return resolve_path(path)
    except ConfigError:
        return None


def _holds_images(root: Path) -> bool:
    return any(p.suffix.lower() in IMAGE_SUFFIXES for p in _first_files(root))


def _first_files(root: Path, limit: int = 50) -> Iterator[Path]:
    for count, path in enumerate(p for p in root.rglob("*") if p.is_file()):
        if count >= limit:
            return
        yield path


def inspect_dataset(config: DatasetConfig, texts_per_class: int = 2) -> Inspection:
    """Loads the dataset as a search would, and counts the examples of each class per split
    (numeric labels: their minimum, mean and maximum per split)."""
    data = load_dataset(config)
    found = Inspection(data=data, config=config)
    num_classes = data.spec.num_classes
    for role in ("train", "validation", "test"):
        labels = labels_of(getattr(data, role))
        if data.spec.label_kind == "number":
            found.label_ranges[role] = (labels.min(), labels.mean(), labels.max())
            continue
        found.class_counts[role] = np.bincount(labels, minlength=num_classes).tolist()
    if data.spec.modality == "text":
        for text, label in _first_per_class(data.train, num_classes, texts_per_class):
            name = data.spec.class_names[label]
            found.samples.setdefault(name, []).append(bytes(text).decode("utf-8", "replace"))
    return found


def save_sample_grid(data: LoadedData, path: Path, per_class: int = 8) -> Path:
    """A PNG with one row per class (in class order) of its first training images."""
    rows: dict[int, list[np.ndarray]] = {}
    for image, label in _first_per_class(data.train, data.spec.num_classes, per_class):
        rows.setdefault(label, []).append(image)
    height, width, channels = data.spec.input_shape
    assert height and width and channels
    blank = np.zeros((height, width, channels), np.uint8)
    grid = np.concatenate(
        [
            np.concatenate(_padded([*rows.get(c, []), *[blank] * per_class][:per_class]), axis=1)
            for c in range(data.spec.num_classes)
        ],
        axis=0,
    )
    scale = max(1, CELL_PIXELS // height)
    grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tf.io.encode_png(grid).numpy())
    return path


def _padded(images: list[np.ndarray], border: int = 1) -> list[np.ndarray]:
    return [np.pad(i, ((border, border), (border, border), (0, 0))) for i in images]


def _first_per_class(
    dataset: tf.data.Dataset, num_classes: int, per_class: int, scan_limit: int = 20_000
) -> Iterator[tuple[np.ndarray, int]]:
    """The first `per_class` examples of each class, scanning at most `scan_limit` examples."""
    taken = np.zeros(num_classes, int)
    for x, y in dataset.take(scan_limit).as_numpy_iterator():
        label = int(y)
        if taken[label] < per_class:
            taken[label] += 1
            yield x, label
            if taken.min() >= per_class:
                return
