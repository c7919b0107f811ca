"""`text-rnn`: token embedding, stacked (bidirectional) LSTM or GRU layers, a dense block."""

from __future__ import annotations

from typing import Any

from search.data.spec import DataSpec
from spaces.blocks import dense_block, embedding, recurrent_block
from spaces.registry import register_space


@register_space("text-rnn", modality="text")
def build(hp: Any, inputs: Any, spec: DataSpec) -> Any:
    """A recurrent encoder of the token ids of each text (padding masked); the dense block's
    features are the output (the task adds its head).

    Hyperparameters (name: range):
    - embedding_dim: one of 32, 64, 128
    - recurrent_cell: one of lstm, gru
    - recurrent_layers: int 1..2 (all but the last return sequences)
    - recurrent_units: one of 32, 64, 128
    - bidirectional: boolean (each recurrent layer reads both directions)
    - sequence_dropout: float 0.0..0.3, step 0.1 (dropout on each recurrent layer's inputs)
    - dense_units: one of 32, 64, 128
    - dropout: float 0.0..0.5, step 0.1 (after the dense block)
    - learning_rate: float 1e-4..1e-2, log sampling (Adam; shared by every space)
    The vocabulary size comes from the data (the train split's vocabulary).
    """
    if spec.text is None:
        raise ValueError("text-rnn needs the dataset's text encoding (vocabulary)")
    embedding_dim = hp.Choice("embedding_dim", [32, 64, 128])
    cell = hp.Choice("recurrent_cell", ["lstm", "gru"])
    num_layers = hp.Int("recurrent_layers", 1, 2)
    units = hp.Choice("recurrent_units", [32, 64, 128])
    bidirectional = hp.Boolean("bidirectional")
    sequence_dropout = hp.Float("sequence_dropout", 0.0, 0.3, step=0.1)
    dense_units = hp.Choice("dense_units", [32, 64, 128])
    dropout_rate = hp.Float("dropout", 0.0, 0.5, step=0.1)

    x = embedding(inputs, spec.text.vocabulary_size, embedding_dim, mask_zero=True)
    x = recurrent_block(x, cell, units, num_layers, bidirectional, sequence_dropout)
    return dense_block(x, dense_units, "relu", dropout_rate)
