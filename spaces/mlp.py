"""The stack of dense blocks that the MLP spaces share (image-mlp, vector-mlp, tabular-mlp).

One declaration of their hyperparameters, so the three spaces name and condition them alike;
each space chooses its unit sizes and normalizations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spaces.blocks import dense_block, gaussian_noise

MAX_DENSE_LAYERS = 3


def dense_stack(hp: Any, x: Any, unit_choices: Sequence[int], normalizations: Sequence[str]) -> Any:
    """Gaussian noise on `x` (a flat vector per example), then 1..3 dense blocks.

    Declares input_noise, dense_layers, dense_<i>/units, activation, normalization (and
    groups when `normalizations` offers group), dropout, l2 and initializer.
    """
    noise = hp.Float("input_noise", 0.0, 0.2, step=0.05)
    dense_layers = hp.Int("dense_layers", 1, MAX_DENSE_LAYERS)
    units = []
    for i in range(1, MAX_DENSE_LAYERS + 1):
        with hp.conditional_scope("dense_layers", list(range(i, MAX_DENSE_LAYERS + 1))):
            if i <= dense_layers:
                with hp.name_scope(f"dense_{i}"):
                    units.append(hp.Choice("units", list(unit_choices)))
    activation = hp.Choice("activation", ["relu", "gelu", "tanh"])
    norm = hp.Choice("normalization", list(normalizations))
    groups = 1
    if "group" in normalizations:
        with hp.conditional_scope("normalization", ["group"]):
            if norm == "group":
                groups = hp.Choice("groups", [2, 4, 8])
    dropout_rate = hp.Float("dropout", 0.0, 0.5, step=0.1)
    l2 = hp.Float("l2", 1e-6, 1e-2, sampling="log")
    initializer = hp.Choice("initializer", ["he_normal", "glorot_uniform"])

    x = gaussian_noise(x, noise)
    for layer_units in units:
        x = dense_block(x, layer_units, activation, dropout_rate, l2, initializer, norm, groups)
    return x
