"""One block function per pattern of the Keras layer-pattern guide.

Blocks take plain values, never `hp`: they can be tested without a tuner and reused when
a best configuration is retrained.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Literal

import keras
from keras import layers

Normalization = Literal["batch", "layer", "group", "none"]
Head = Literal["flatten", "global_average", "global_max"]
Cell = Literal["lstm", "gru"]


def normalization(x: Any, kind: Normalization, groups: int = 1) -> Any:
    """Batch, layer or group normalization over the last axis, or nothing.

    Batch normalization keeps its moving statistics with momentum 0.9, not Keras' 0.99: at
    0.99 they lag the weights for hundreds of steps, and a short trial is scored on stale
    statistics (image-cnn on digits, 40 steps an epoch: validation accuracy 0.40, 0.18, 0.14
    over 3 epochs at 0.99 while training accuracy reached 0.99; 0.87, 0.98, 0.99 at 0.9).
    """
    if kind == "batch":
        return layers.BatchNormalization(momentum=0.9)(x)
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
    """Turns a feature map (batch, h, w, c) or a sequence (batch, steps, c) into a vector.

    Flatten keeps every position, global average or max pooling one value per channel. On a
    masked sequence, average pooling leaves padded steps out; flatten and max pooling take
    them in (Keras drops the mask there, which is intended: their values are learned too).
    """
    if len(x.shape) == 3:
        pooling = (layers.GlobalAveragePooling1D, layers.GlobalMaxPooling1D)
    else:
        pooling = (layers.GlobalAveragePooling2D, layers.GlobalMaxPooling2D)
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*does not support masking", category=UserWarning
        )
        if kind == "flatten":
            return layers.Flatten()(x)
        if kind == "global_average":
            return pooling[0]()(x)
        if kind == "global_max":
            return pooling[1]()(x)
    raise ValueError(f"unknown head {kind!r}: choose flatten, global_average or global_max")


def reshape(x: Any, shape: tuple[int, ...]) -> Any:
    """Reshape each example (batch axis untouched), e.g. an image's rows as a sequence."""
    return layers.Reshape(shape)(x)


def permute(x: Any, axes: tuple[int, ...]) -> Any:
    """Reorders the non-batch axes (1-based), e.g. (2, 1) swaps steps and channels."""
    return layers.Permute(axes)(x)


def dense_block(
    x: Any,
    units: int,
    activation: str = "relu",
    dropout_rate: float = 0.0,
    l2: float = 0.0,
    initializer: str = "he_normal",
    norm: Normalization = "none",
    groups: int = 1,
) -> Any:
    """Dense with optional L2 weight penalty and a chosen initializer, then dropout.

    With a normalization, it goes between the affine map and the activation (the bias is
    then redundant and left out).
    """
    regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
    x = layers.Dense(
        units,
        activation=activation if norm == "none" else None,
        use_bias=norm == "none",
        kernel_regularizer=regularizer,
        kernel_initializer=initializer,
    )(x)
    if norm != "none":
        x = normalization(x, norm, groups)
        x = layers.Activation(activation)(x)
    return dropout(x, dropout_rate)


def embedding(x: Any, vocabulary_size: int, output_dim: int, mask_zero: bool = True) -> Any:
    """Token ids to dense vectors; with `mask_zero`, padding (id 0) is masked downstream."""
    return layers.Embedding(vocabulary_size, output_dim, mask_zero=mask_zero)(x)


def recurrent_block(
    x: Any,
    cell: Cell,
    units: int,
    num_layers: int = 1,
    bidirectional: bool = False,
    dropout_rate: float = 0.0,
) -> Any:
    """Stacked LSTM or GRU layers; all but the last return sequences, the last a vector.

    Each layer is optionally Bidirectional (forward and backward outputs concatenated).
    """
    recurrent = {"lstm": layers.LSTM, "gru": layers.GRU}.get(cell)
    if recurrent is None:
        raise ValueError(f"unknown recurrent cell {cell!r}: choose lstm or gru")
    for i in range(num_layers):
        layer = recurrent(units, return_sequences=i < num_layers - 1, dropout=dropout_rate)
        x = (layers.Bidirectional(layer) if bidirectional else layer)(x)
    return x


def residual(
    x: Any, body: Callable[[Any], Any], norm: Normalization = "layer", groups: int = 1
) -> Any:
    """`body(x)` added to `x`, then normalized: the Add + normalization of self-attention,
    for any blocks.

    Where the body changes the shape, the shortcut follows it: max pooling when a feature
    map shrank (as the conv block's pooling does), then a 1x1 conv (feature maps) or a dense
    projection (vectors, sequences) when the width differs.
    """
    y = body(x)
    shortcut = x
    if len(x.shape) == 4 and tuple(x.shape[1:3]) != tuple(y.shape[1:3]):
        factor = [a // b for a, b in zip(x.shape[1:3], y.shape[1:3], strict=True)]
        shortcut = layers.MaxPooling2D(pool_size=tuple(factor))(shortcut)
    if shortcut.shape[-1] != y.shape[-1]:
        width = y.shape[-1]
        project = layers.Conv2D(width, 1) if len(x.shape) == 4 else layers.Dense(width)
        shortcut = project(shortcut)
    return normalization(layers.Add()([shortcut, y]), norm, groups)


def self_attention_block(
    x: Any, num_heads: int, key_dim: int, dropout_rate: float = 0.0, norm: Normalization = "layer"
) -> Any:
    """Multi-head self-attention, a residual Add, then (layer) normalization."""
    attention = layers.MultiHeadAttention(
        num_heads=num_heads, key_dim=key_dim, dropout=dropout_rate
    )
    return residual(x, lambda y: attention(query=y, value=y, key=y), norm)


def feed_forward_block(
    x: Any, units: int, activation: str = "relu", dropout_rate: float = 0.0
) -> Any:
    """The transformer's position-wise dense block back to the model width, Add, LayerNorm."""
    width = x.shape[-1]

    def body(y: Any) -> Any:
        y = dense_block(y, units, activation, dropout_rate, initializer="glorot_uniform")
        return layers.Dense(width)(y)

    return residual(x, body, "layer")
