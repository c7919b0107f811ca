"""Which features of a TFDS dataset a search learns from, and what kind they are.

The input is an image, a text or a float vector; the label a class or a number (regression).
A builder without `supervised_keys` names them in `dataset.features`.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from search.data.spec import Modality
from search.data_config import FeatureKeys
from search.errors import ConfigError, DatasetError
from search.tuning.task import LabelKind


def supervised_keys(
    builder: tfds.core.DatasetBuilder, chosen: FeatureKeys | None
) -> tuple[str, str]:
    """(input, label) feature names: `dataset.features` if given, else the builder's keys."""
    info = builder.info
    features = info.features
    if chosen is not None:
        for role, key in (("input", chosen.input), ("label", chosen.label)):
            if key not in features:
                raise ConfigError(
                    f"dataset.features.{role}: '{key}' is not a feature of dataset "
                    f"'{builder.name}'; it has: {describe(features)}"
                )
        return chosen.input, chosen.label
    if not info.supervised_keys:
        raise ConfigError(
            f"dataset '{builder.name}' has no supervised_keys; its features: "
            f"{describe(features)}; set dataset.features: {{input: ..., label: ...}}"
        )
    input_key, label_key = info.supervised_keys[:2]
    return input_key, label_key


def describe(features: tfds.features.FeaturesDict) -> str:
    """`x (Tensor (10,) float32), y (Scalar float32)`: each feature, its kind, shape, dtype."""
    return ", ".join(
        f"{name} ({type(f).__name__} {tuple(f.shape)} {np.dtype(f.np_dtype).name})"
        for name, f in features.items()
    )


def label_kind(name: str, key: str, feature: tfds.features.FeatureConnector) -> LabelKind:
    """A class label, or one number per example."""
    if isinstance(feature, tfds.features.ClassLabel):
        return "class"
    one = isinstance(feature, tfds.features.Tensor) and tuple(feature.shape) in ((), (1,))
    if one and _numeric(feature):
        return "number"
    raise DatasetError(
        f"dataset '{name}': label '{key}' is neither a class label nor one number per example"
    )


def modality(name: str, feature: tfds.features.FeatureConnector) -> Modality:
    if isinstance(feature, tfds.features.Image):
        return "image"
    if isinstance(feature, tfds.features.Text):
        return "text"
    if isinstance(feature, tfds.features.Tensor) and len(feature.shape) == 1 and _numeric(feature):
        return "vector"
    raise DatasetError(
        f"dataset '{name}': input feature {type(feature).__name__} is neither an image, "
        "text nor a vector of numbers"
    )


def _numeric(feature: tfds.features.FeatureConnector) -> bool:
    return bool(np.issubdtype(feature.np_dtype, np.number))


def as_pair(
    dataset: tf.data.Dataset, input_key: str, label_key: str, kind: LabelKind
) -> tf.data.Dataset:
    """(input, label) pairs from feature dicts; numeric labels as float32 scalars, vectors too."""

    def pick(example: dict[str, tf.Tensor]) -> tuple[tf.Tensor, tf.Tensor]:
        x, y = example[input_key], example[label_key]
        if len(x.shape) == 1 and x.dtype != tf.float32:
            x = tf.cast(x, tf.float32)
        if kind == "number":
            y = tf.reshape(tf.cast(y, tf.float32), [])
        return x, y

    return dataset.map(pick, num_parallel_calls=tf.data.AUTOTUNE)


def label_stats(labels: np.ndarray) -> tuple[float, float]:
    """The train labels' mean and standard deviation (1.0 when constant)."""
    std = float(np.std(labels))
    return float(np.mean(labels)), std if std > 0 else 1.0
