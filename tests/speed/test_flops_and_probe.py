"""The machine's peak is measured, and a model's FLOPs match the hand formula."""

from __future__ import annotations

import keras
import numpy as np

from search.speed.compute import ComputeCounter, ComputeTally
from search.speed.flops import forward_flops
from search.speed.probe import peak_gflops


def test_the_matmul_probe_measures_a_positive_peak() -> None:
    assert peak_gflops("float32", size=128, seconds=0.05) > 0


def test_dense_flops_are_two_per_multiply_add_plus_the_bias() -> None:
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])
    assert forward_flops(model) == 2 * 8 * 4 + 4


def test_conv_flops_are_two_per_multiply_add_at_each_output_position_plus_the_bias() -> None:
    model = keras.Sequential([keras.Input((6, 6, 2)), keras.layers.Conv2D(4, 3)])
    positions = 4 * 4  # 'valid' padding: 6 - 3 + 1
    assert forward_flops(model) == 2 * 3 * 3 * 2 * 4 * positions + 4 * positions


def test_training_compute_is_forward_flops_times_three_times_samples_seen() -> None:
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((20, 8), "float32"), np.zeros((20, 4), "float32")
    tally = ComputeTally(samples_per_epoch=20)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[ComputeCounter(tally)])
    assert tally.flops == (2 * 8 * 4 + 4) * 3 * 20 * 2
    assert tally.pflop == tally.flops / 1e15


def test_epochs_of_a_model_that_cannot_be_counted_are_told_apart() -> None:
    tally = ComputeTally(samples_per_epoch=10)
    tally.add_epoch(None)
    tally.add_epoch(100.0)
    assert (tally.flops, tally.uncounted_epochs) == (3000.0, 1)


def test_a_models_flops_are_counted_once_for_its_measures_and_the_compute_tally(
    monkeypatch,
) -> None:
    from search.speed import flops

    counted = []
    count = flops._count
    monkeypatch.setattr(flops, "_count", lambda model: counted.append(model) or count(model))
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])
    other = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2)])
    assert forward_flops(model) == forward_flops(model) == 2 * 8 * 4 + 4
    assert forward_flops(other) == 2 * 8 * 2 + 2, "another model gets its own count"
    assert counted == [model, other]
