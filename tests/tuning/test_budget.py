"""The wall-clock budget is a promise in a real keras-tuner search: the running trial stops
at the deadline with its best epoch so far, and no trial starts after it."""

from __future__ import annotations

import time

import keras
import numpy as np

from search.budget import trials_deadline
from search.experiment import TrainingConfig, TunerConfig
from search.tuning.stopping import stop_of
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


def _search(tmp_path, deadline, epochs=1):
    config = TunerConfig(kind="random", max_trials=4)
    tuner = build_tuner(
        config,
        TrainingConfig(epochs=epochs),
        _tiny,
        tmp_path / "tuner",
        listeners=[],
        resume=False,
        deadline=deadline,
    )
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    tuner.search(x, y, validation_data=(x, y), epochs=epochs, batch_size=4, verbose=0)
    return tuner.oracle.trials


def test_a_spent_budget_stops_the_running_trial_and_starts_no_other(tmp_path) -> None:
    trials = _search(tmp_path, deadline=time.time() - 1, epochs=50)
    assert len(trials) == 1
    (trial,) = trials.values()
    assert str(trial.status) == "COMPLETED" and trial.score is not None
    assert stop_of(trial) == (1, "deadline"), "stopped within its first epoch, still scored"


def test_without_a_budget_every_planned_trial_runs(tmp_path) -> None:
    assert len(_search(tmp_path, deadline=None)) == 4


def test_the_trials_get_the_budget_less_a_reserve_for_finishing() -> None:
    assert trials_deadline(100.0, None) is None
    assert trials_deadline(100.0, 300.0) == 100.0 + 270.0, "a share of the budget"
    assert trials_deadline(0.0, 50.0) == 40.0, "at least 10 s"
    assert trials_deadline(0.0, 3600.0) == 3600.0 - 120.0, "at most 2 minutes"
