"""The wall-clock budget stops a real keras-tuner search between trials."""

from __future__ import annotations

import keras
import numpy as np

from search.experiment import TrainingConfig, TunerConfig
from search.tuning.tuners import build_tuner


def _tiny(hp):
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(hp.Int("units", 2, 64), activation="relu"),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _search(tmp_path, max_seconds):
    config = TunerConfig(kind="random", max_trials=4, max_seconds=max_seconds)
    tuner = build_tuner(
        config, TrainingConfig(epochs=1), _tiny, tmp_path / "tuner", listeners=[], resume=False
    )
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    tuner.search(x, y, validation_data=(x, y), epochs=1, verbose=0)
    return tuner.oracle.trials


def test_a_spent_budget_lets_the_running_trial_finish_and_starts_no_other(tmp_path) -> None:
    trials = _search(tmp_path, max_seconds=1e-6)
    assert len(trials) == 1
    assert [str(t.status) for t in trials.values()] == ["COMPLETED"]


def test_without_a_budget_every_planned_trial_runs(tmp_path) -> None:
    assert len(_search(tmp_path, max_seconds=None)) == 4
