"""Batch-normalization statistics recomputed before a short training is scored ("precise
BN", Wu & Johnson 2021, *Rethinking "Batch" in BatchNorm*).

Keras scores a model with its moving averages of batch statistics, which lag the weights
by about 1/(1 - momentum) steps. Early in a training, and in a whole short one (an ASHA or
Hyperband rung, a stopping rule's first epochs), they still hold the statistics of weights
long gone, and validation scores sit near chance whatever the configuration. On the quality
benchmark's CIFAR-10 subset (11 steps an epoch), four configurations scored 0.10-0.19
after 1 epoch and 0.12-0.21 after 3, where their training accuracy was 0.19-0.38; with the
statistics recomputed over 8 training batches, 0.24-0.30 and 0.32-0.41, the residual nets
that win at 9 epochs ranking first at 3 (measured on 2 AVX2 cores; the closing note of
issue 17 gives the script).
So before each validation of a training's first `TRUSTED_AFTER_STEPS` steps, and at the end
of a training that had none, the statistics are set to the mean over training batches of at
least `EXAMPLES` examples in all, run forward in training mode with the weights fixed.
That forward pass is the cost: over 8 batches of 128 it took 1.4-2.6 s, a fifth of a 1-epoch
trial of that benchmark and 9 times a 9-epoch one; over 2 (256 examples) 0.4-0.8 s, the same
four configurations scoring alike (within 0.015 of 8 batches' accuracy, on 600 validation
images, after 1 and 3 epochs).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import keras

EXAMPLES = 256  # the statistics average batches until this many examples went through
TRUSTED_AFTER_STEPS = 100  # by then the moving averages have caught up with the weights
# (at 500 a search of 20-epoch digits trials, 40 steps an epoch, took 1.5-2x as long)


def batch_norms(layer: Any) -> Iterator[keras.layers.BatchNormalization]:
    """The BatchNormalization layers in `layer`, nested models and layers included."""
    if isinstance(layer, keras.layers.BatchNormalization):
        yield layer
    for inner in getattr(layer, "layers", None) or getattr(layer, "_layers", None) or []:
        yield from batch_norms(inner)


def recompute_statistics(model: keras.Model, batches: Any, examples: int = EXAMPLES) -> int:
    """Sets every BatchNormalization's moving mean and variance to the mean of its batch
    statistics over the first batches of `batches` (a dataset of (inputs, labels, ...) or of
    inputs) that hold `examples` examples. Returns the batches used (0: no
    BatchNormalization, nothing done)."""
    layers = list(dict.fromkeys(batch_norms(model)))
    if not layers:
        return 0
    momentums = [layer.momentum for layer in layers]
    used = seen = 0
    try:
        for batch in batches:
            inputs = batch[0] if isinstance(batch, tuple) else batch
            for layer in layers:
                layer.momentum = used / (used + 1)  # a running mean of the batches' statistics
            model(inputs, training=True)
            used += 1
            seen += len(keras.tree.flatten(inputs)[0])
            if seen >= examples:
                break
    finally:
        for layer, momentum in zip(layers, momentums, strict=True):
            layer.momentum = momentum
    return used


class PreciseBatchNorm(keras.callbacks.Callback):
    """Recomputes the statistics (`recompute_statistics` over `train`) before each validation
    within a training's first `TRUSTED_AFTER_STEPS` steps, and when a training that was
    never validated ends that early (a short refit is then tested on them)."""

    def __init__(self, train: Any) -> None:
        super().__init__()
        self.train = train
        self.steps = 0
        self.validated = False

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.steps += 1

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.validated = True
        if self.steps < TRUSTED_AFTER_STEPS:
            recompute_statistics(self.model, self.train)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if not self.validated and self.steps < TRUSTED_AFTER_STEPS:
            recompute_statistics(self.model, self.train)
