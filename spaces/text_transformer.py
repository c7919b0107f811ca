"""`text-transformer`: embedding plus learned positions, self-attention blocks, a pooling head."""

from __future__ import annotations

from typing import Any

from search.data.spec import DataSpec
from spaces.blocks import (
    dense_block,
    embedding,
    feed_forward_block,
    reshaping_head,
    self_attention_block,
)
from spaces.layers import PositionalEmbedding
from spaces.registry import register_space

MAX_ATTENTION_BLOCKS = 2


@register_space("text-transformer", modality="text")
def build(hp: Any, inputs: Any, spec: DataSpec) -> Any:
    """A small transformer encoder for text (padding masked); the dense block's features are
    the output (the task adds its head).

    Hyperparameters (name: range):
    - embedding_dim: one of 32, 64, 128 (the model width)
    - attention_blocks: int 1..2 (self-attention, then a feed-forward block, each residual)
    - num_heads: one of 2, 4, 8
    - key_dim: one of 16, 32, 64 (per head)
    - attention_dropout: float 0.0..0.3, step 0.1
    - feed_forward_units: one of 64, 128, 256
    - head: one of global_average, global_max, flatten
    - dense_units: one of 32, 64, 128
    - dropout: float 0.0..0.5, step 0.1 (after the dense block)
    - learning_rate: float 1e-4..1e-2, log sampling (Adam; shared by every space)
    Positions are learned (`spaces.layers.PositionalEmbedding`), one per token slot; the
    vocabulary size comes from the data.
    """
    if spec.text is None:
        raise ValueError("text-transformer needs the dataset's text encoding (vocabulary)")
    width = hp.Choice("embedding_dim", [32, 64, 128])
    blocks = hp.Int("attention_blocks", 1, MAX_ATTENTION_BLOCKS)
    num_heads = hp.Choice("num_heads", [2, 4, 8])
    key_dim = hp.Choice("key_dim", [16, 32, 64])
    attention_dropout = hp.Float("attention_dropout", 0.0, 0.3, step=0.1)
    feed_forward_units = hp.Choice("feed_forward_units", [64, 128, 256])
    head = hp.Choice("head", ["global_average", "global_max", "flatten"])
    dense_units = hp.Choice("dense_units", [32, 64, 128])
    dropout_rate = hp.Float("dropout", 0.0, 0.5, step=0.1)

    x = embedding(inputs, spec.text.vocabulary_size, width, mask_zero=True)
    x = PositionalEmbedding(spec.text.sequence_length, name="positions")(x)
    for _ in range(blocks):
        x = self_attention_block(x, num_heads, key_dim, attention_dropout)
        x = feed_forward_block(x, feed_forward_units)
    x = reshaping_head(x, head)
    return dense_block(x, dense_units, "relu", dropout_rate)
