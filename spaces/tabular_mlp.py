"""`tabular-mlp`: dense blocks on a table's preprocessed columns, with noise on the inputs."""

from __future__ import annotations

from typing import Any

from search.data import table_model  # noqa: F401  (registers the table layers, for reloading)
from search.data.spec import DataSpec
from search.tuning import metrics  # noqa: F401  (registers the metrics a table model compiles)
from spaces.mlp import dense_stack
from spaces.registry import register_space


@register_space("tabular-mlp", modality="table")
def build(hp: Any, inputs: Any, spec: DataSpec) -> Any:
    """A multilayer perceptron for tables: `inputs` are the normalized numbers and the one-hot
    (or embedded) categories of every column, made inside the model from raw rows; the last
    dense block's features are the output (the task adds its head).

    Hyperparameters (name: range):
    - input_noise: float 0.0..0.2, step 0.05 (Gaussian noise on the inputs, training only)
    - dense_layers: int 1..3
    - dense_<i>/units: one of 16, 32, 64, 128, 256 (for each layer i = 1..dense_layers)
    - activation: one of relu, gelu, tanh
    - normalization: one of none, batch, layer (between each Dense and its activation)
    - dropout: float 0.0..0.5, step 0.1 (after each dense block)
    - l2: float 1e-6..1e-2, log sampling
    - initializer: one of he_normal, glorot_uniform
    - learning_rate: float 1e-4..1e-2, log sampling (Adam; shared by every space)
    """
    return dense_stack(hp, inputs, [16, 32, 64, 128, 256], ["none", "batch", "layer"])
