"""Seeds every random number generator a search draws from, and optionally makes TensorFlow's
ops deterministic, so that one seed on one machine gives the same trials and scores.

Seeding alone (always done) fixes the weights' initialization, the data order, dropout and
augmentation draws, and the oracle's proposals. What still varies without `deterministic`:
the order in which multi-threaded kernels add up floating-point sums (convolutions'
gradients, reductions), so scores differ in the last digits, and a Bayesian oracle that sees
slightly different scores proposes different trials from then on.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def seed_everything(seed: int, deterministic: bool = False) -> None:
    """Python's, NumPy's and Keras/TensorFlow's generators from `seed`; with `deterministic`,
    `tf.config.experimental.enable_op_determinism` for the rest of the process."""
    import keras

    keras.utils.set_random_seed(seed)
    if deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        log.info("deterministic ops on (seed %d): slower, the same scores every run", seed)
