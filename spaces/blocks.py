"""One block function per pattern of the Keras layer-pattern guide.

Blocks take plain values, never `hp`: they can be tested without a tuner and reused when
a best configuration is retrained.
"""

from __future__ import annotations

from typing import Any, Literal

import keras
from keras import layers

Normalization = Literal["batch", "layer", "group", "none"]
Head = Literal["flatten", "global_average", "global_max"]


def normalization(x: Any, kind: Normalization, groups: int = 1) -> Any:
    """Batch, layer or group normalization over the last axis, or nothing."""
    if kind == "batch":
        return layers.BatchNormalization()(x)
    if kind == "layer":
        return layers.LayerNormalization()(x)
    if kind == "group":
        channels = x.shape[-1]
        if channels % groups:
            raise ValueError(f"groups must divide the channels, but got {groups=} {channels=}")
        return layers.GroupNormalization(groups=groups)(x)
    if kind == "none":
        return x
    raise ValueError(f"unknown normalization {kind!r}: choose batch, layer, group or none")


def conv_block(
    x: Any,
    filters: int,
    kernel_size: int,
    norm: Normalization = "batch",
    groups: int = 1,
    pool: bool = True,
    activation: str = "relu",
) -> Any:
    """Conv2D (same padding) -> normalization -> activation -> optional 2x2 max pooling."""
    x = layers.Conv2D(filters, kernel_size, padding="same", use_bias=norm == "none")(x)
    x = normalization(x, norm, groups)
    x = layers.Activation(activation)(x)
    if pool:
        x = layers.MaxPooling2D(pool_size=2)(x)
    return x


def spatial_dropout(x: Any, rate: float) -> Any:
    """Drops whole feature maps of a conv output; nothing at rate 0."""
    return layers.SpatialDropout2D(rate)(x) if rate > 0 else x


def dropout(x: Any, rate: float) -> Any:
    return layers.Dropout(rate)(x) if rate > 0 else x


def gaussian_noise(x: Any, stddev: float) -> Any:
    """Additive noise at training time only; nothing at stddev 0."""
    return layers.GaussianNoise(stddev)(x) if stddev > 0 else x


def reshaping_head(x: Any, kind: Head) -> Any:
    """Turns a feature map into a vector: flatten, global average or global max pooling."""
    if kind == "flatten":
        return layers.Flatten()(x)
    if kind == "global_average":
        return layers.GlobalAveragePooling2D()(x)
    if kind == "global_max":
        return layers.GlobalMaxPooling2D()(x)
    raise ValueError(f"unknown head {kind!r}: choose flatten, global_average or global_max")


def dense_block(
    x: Any,
    units: int,
    activation: str = "relu",
    dropout_rate: float = 0.0,
    l2: float = 0.0,
    initializer: str = "he_normal",
) -> Any:
    """Dense with optional L2 weight penalty and a chosen initializer, then dropout."""
    regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
    x = layers.Dense(
        units,
        activation=activation,
        kernel_regularizer=regularizer,
        kernel_initializer=initializer,
    )(x)
    return dropout(x, dropout_rate)


def classifier(x: Any, num_classes: int) -> Any:
    """Softmax over the classes, kept in float32 whatever the compute precision."""
    return layers.Dense(num_classes, activation="softmax", dtype="float32", name="probabilities")(x)
