"""`image-mlp`: dense blocks on flattened images, with input noise and normalization."""

from __future__ import annotations

from typing import Any

from search.data.spec import DataSpec
from spaces.blocks import reshaping_head
from spaces.mlp import dense_stack
from spaces.registry import register_space


@register_space("image-mlp", modality="image")
def build(hp: Any, inputs: Any, spec: DataSpec) -> Any:
    """A multilayer perceptron for small images: every pixel is one input feature; the last
    dense block's features are the output (the task adds its head).

    Hyperparameters (name: range):
    - input_noise: float 0.0..0.2, step 0.05 (Gaussian noise on 0..1 pixels, training only)
    - dense_layers: int 1..3
    - dense_<i>/units: one of 64, 128, 256, 512 (for each layer i = 1..dense_layers)
    - activation: one of relu, gelu, tanh
    - normalization: one of none, batch, layer, group (between each Dense and its activation)
    - groups: one of 2, 4, 8 (only with normalization=group)
    - dropout: float 0.0..0.5, step 0.1 (after each dense block)
    - l2: float 1e-6..1e-2, log sampling
    - initializer: one of he_normal, glorot_uniform
    - learning_rate: float 1e-4..1e-2, log sampling (Adam; shared by every space)
    """
    flat = reshaping_head(inputs, "flatten")
    return dense_stack(hp, flat, [64, 128, 256, 512], ["none", "batch", "layer", "group"])
