"""`image-cnn`: stacked conv blocks, a reshaping head and a dense block."""

from __future__ import annotations

import math
from typing import Any

from search.data.spec import DataSpec
from spaces.blocks import conv_block, dense_block, reshaping_head, spatial_dropout
from spaces.registry import register_space

MAX_CONV_BLOCKS = 3


@register_space("image-cnn", modality="image")
def build(hp: Any, inputs: Any, spec: DataSpec) -> Any:
    """A small CNN: image in, the dense block's features out (the task adds its head).

    Hyperparameters (name: range, default first):
    - conv_blocks: int 1..3
    - conv_<i>/filters: one of 16, 32, 64, 128 (for each block i = 1..conv_blocks)
    - kernel_size: one of 3, 5
    - normalization: one of batch, layer, group, none
    - groups: one of 2, 4, 8 (only with normalization=group)
    - spatial_dropout: float 0.0..0.3, step 0.05
    - head: one of flatten, global_average, global_max
    - dense_units: int 32..256, step 32
    - dense_activation: one of relu, gelu
    - dropout: float 0.0..0.5, step 0.1
    - l2: float 1e-6..1e-2, log sampling
    - initializer: one of he_normal, glorot_uniform
    - learning_rate: float 1e-4..1e-2, log sampling (Adam; shared by every space)
    Blocks halve the image with 2x2 max pooling while it is at least 2 pixels wide.
    """
    conv_blocks = hp.Int("conv_blocks", 1, MAX_CONV_BLOCKS)
    filters = []
    for i in range(1, MAX_CONV_BLOCKS + 1):
        with hp.conditional_scope("conv_blocks", list(range(i, MAX_CONV_BLOCKS + 1))):
            if i <= conv_blocks:
                with hp.name_scope(f"conv_{i}"):
                    filters.append(hp.Choice("filters", [16, 32, 64, 128]))
    kernel_size = hp.Choice("kernel_size", [3, 5])
    norm = hp.Choice("normalization", ["batch", "layer", "group", "none"])
    groups = 1
    with hp.conditional_scope("normalization", ["group"]):
        if norm == "group":
            groups = hp.Choice("groups", [2, 4, 8])
    spatial_rate = hp.Float("spatial_dropout", 0.0, 0.3, step=0.05)
    head = hp.Choice("head", ["flatten", "global_average", "global_max"])
    units = hp.Int("dense_units", 32, 256, step=32)
    activation = hp.Choice("dense_activation", ["relu", "gelu"])
    dropout_rate = hp.Float("dropout", 0.0, 0.5, step=0.1)
    l2 = hp.Float("l2", 1e-6, 1e-2, sampling="log")
    initializer = hp.Choice("initializer", ["he_normal", "glorot_uniform"])

    x = inputs
    known = [d for d in spec.input_shape[:2] if d]
    poolable = int(math.log2(min(known))) if known else MAX_CONV_BLOCKS
    for i, block_filters in enumerate(filters):
        x = conv_block(x, block_filters, kernel_size, norm, groups, pool=i < poolable)
        x = spatial_dropout(x, spatial_rate)
    x = reshaping_head(x, head)
    return dense_block(x, units, activation, dropout_rate, l2, initializer)
