"""`image-resnet`: a stem, residual stages (each halves the image), a pooling head."""

from __future__ import annotations

import math
from typing import Any

from keras import layers

from search.data.spec import DataSpec
from spaces.blocks import Normalization, conv_block, dropout, reshaping_head, residual
from spaces.registry import register_space

MAX_STAGES = 3


@register_space("image-resnet", modality="image")
def build(hp: Any, inputs: Any, spec: DataSpec) -> Any:
    """A residual CNN: image in, pooled features out (the task adds its head).

    A stem conv block of `width` filters, then stages of `width`, 2 x `width`, 4 x `width`
    filters (the ResNet habit: twice the width where the image halves). Each stage is a conv
    block that widens the features and halves the image (2x2 pooling), then
    `blocks_per_stage` residual blocks: two conv blocks added to their input, then
    normalized (the Add + normalization of the layer-pattern guide's residual pattern, from
    the same `residual` combinator as `space.blocks`).

    Hyperparameters (name: range, default first):
    - width: one of 16, 32, 48, 64 (the stem's filters; stage i has width x 2^(i-1))
    - stages: int 1..3
    - blocks_per_stage: int 0..2 (residual blocks after each stage's first conv)
    - normalization: one of batch, layer, group, none
    - groups: one of 2, 4, 8 (only with normalization=group)
    - activation: one of relu, gelu, swish
    - pooling: one of max, average (how a stage halves the image)
    - head: one of global_average, global_max, flatten
    - dropout: float 0.0..0.5, step 0.1 (before the task's head)
    - learning_rate: float 1e-4..1e-2, log sampling (shared by every space)
    A stage halves the image only while it is at least 2 pixels wide.
    """
    width = hp.Choice("width", [16, 32, 48, 64])
    stages = hp.Int("stages", 1, MAX_STAGES)
    depth = hp.Int("blocks_per_stage", 0, 2)
    norm = hp.Choice("normalization", ["batch", "layer", "group", "none"])
    groups = 1
    with hp.conditional_scope("normalization", ["group"]):
        if norm == "group":
            groups = hp.Choice("groups", [2, 4, 8])
    activation = hp.Choice("activation", ["relu", "gelu", "swish"])
    pooling = hp.Choice("pooling", ["max", "average"])
    head = hp.Choice("head", ["global_average", "global_max", "flatten"])
    rate = hp.Float("dropout", 0.0, 0.5, step=0.1)

    known = [d for d in spec.input_shape[:2] if d]
    poolable = int(math.log2(min(known))) if known else MAX_STAGES
    x = conv_block(inputs, width, 3, norm, groups, pool=False, activation=activation)
    for i in range(stages):
        pool = pooling if i < poolable else None
        x = stage(x, width * 2**i, depth, norm, groups, activation, pool)
    return dropout(reshaping_head(x, head), rate)


def stage(
    x: Any,
    filters: int,
    depth: int,
    norm: Normalization,
    groups: int,
    activation: str,
    pooling: str | None,
) -> Any:
    """A conv block to `filters`, pooled by half (`pooling`: max, average, or None), then
    `depth` residual blocks of two conv blocks each."""
    x = conv_block(x, filters, 3, norm, groups, pool=pooling == "max", activation=activation)
    if pooling == "average":
        x = layers.AveragePooling2D(pool_size=2)(x)

    def body(y: Any) -> Any:
        y = conv_block(y, filters, 3, norm, groups, pool=False, activation=activation)
        return conv_block(y, filters, 3, norm, groups, pool=False, activation=activation)

    for _ in range(depth):
        x = residual(x, body, norm, groups)
    return x
