"""Search spaces: named model families whose hyperparameters a tuner explores.

Each space module registers itself here; importing `spaces` loads them all, and with them
the custom layers an exported model needs to reload. `resolve_space` gives an experiment's
space: a registered one, or one written in the experiment file (`space.blocks`).
"""

from spaces import (  # noqa: F401
    image_cnn,
    image_mlp,
    image_resnet,
    layers,
    losses,
    tabular_mlp,
    text_rnn,
    text_transformer,
    vector_mlp,
)
from spaces.composed import resolve_space
from spaces.registry import SPACES, Space, register_space

__all__ = ["SPACES", "Space", "register_space", "resolve_space"]
