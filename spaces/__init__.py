"""Search spaces: named model families whose hyperparameters a tuner explores.

Each space module registers itself here; importing `spaces` loads them all.
"""

from spaces import image_cnn  # noqa: E402,F401  (registers on import)
from spaces.registry import SPACES, Space, register_space

__all__ = ["SPACES", "Space", "register_space"]
