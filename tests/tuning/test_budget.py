"""The wall-clock budget is a promise in a real keras-tuner search: the running trial stops
at the deadline with its best epoch so far, and no trial starts after it."""

from __future__ import annotations

import time

import keras
import numpy as np
import pytest

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


def _timed_search(tmp_path, epochs: int):
    from search.tuning.budget_clock import BudgetClock

    clock = BudgetClock()
    config = TunerConfig(kind="random", max_trials=2)
    tuner = build_tuner(
        config,
        TrainingConfig(epochs=epochs),
        _tiny,
        tmp_path / f"tuner{epochs}",
        listeners=[],
        resume=False,
        deadline=time.time() + 3600,
        clock=clock,
    )
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    tuner.search(x, y, validation_data=(x, y), epochs=epochs, batch_size=4, verbose=0)
    return clock


def test_a_search_times_its_trials_tails_and_validations_but_not_a_fits_first(tmp_path) -> None:
    clock = _timed_search(tmp_path, epochs=2)
    assert clock.tail > 0 and clock.validation > 0, "each trial's second validation timed"
    assert clock.validation < clock.tail, "the tail holds the last validation and more"
    once = _timed_search(tmp_path, epochs=1)
    assert once.tail > 0 and once.validation == 0, "a first validation traces: not timed"


def test_a_running_trial_stops_training_the_longest_tail_before_the_deadline(tmp_path) -> None:
    from search.tuning.oracle import TrialOracle
    from tests.tuning.test_stopping import oracle

    wrapped = TrialOracle(oracle(tmp_path), deadline=time.time() + 3600)
    first = wrapped.oracle.create_trial("tuner0")
    wrapped.clock.batch_ended(first.trial_id)
    time.sleep(0.3)  # its validation, measures and logging
    wrapped.report_epoch(first.trial_id, 0, {"val_accuracy": 0.5})
    first.status = "COMPLETED"
    wrapped.oracle.end_trial(first)
    assert wrapped.clock.tail >= 0.3
    running = wrapped.oracle.create_trial("tuner0")
    assert not wrapped.report_epoch(running.trial_id, 0, {"val_accuracy": 0.5})
    wrapped.deadline = time.time() + 0.2  # not there yet, but its tail would end past it
    assert wrapped.past_training_deadline()
    assert wrapped.report_epoch(running.trial_id, 1, {"val_accuracy": 0.6}), "stops now"
    running.status = "COMPLETED"
    wrapped.oracle.end_trial(running)
    assert str(wrapped.oracle.create_trial("tuner0").status) == "STOPPED", "none starts"


def test_the_trials_end_early_enough_for_the_test_evaluation_the_validations_predict() -> None:
    from search.experiment import load_experiment
    from search.tuning.budget_clock import EVALUATION_MARGIN, FINISH_FIXED_SECONDS, clock_for

    experiment = load_experiment("image-cnn").with_overrides(**{"tuner.max_seconds": 100})
    clock = clock_for(experiment, {"train": 900, "validation": 100, "test": 5000})
    assert clock.reserve == 10.0 and clock.test_ratio == 50.0
    assert clock.finish_extra == 0.0, "nothing measured yet: the reserve stands"
    clock.validated(0.01)  # 0.5 s predicted for the test split: the reserve covers it
    assert clock.finish_extra == 0.0
    clock.validated(0.4)  # 20 s predicted
    assert clock.finish_extra == pytest.approx(FINISH_FIXED_SECONDS + EVALUATION_MARGIN * 20 - 10)
    flipped = experiment.with_overrides(
        **{"dataset.augment.flip": "horizontal", "dataset.augment.test_time_flip": True}
    )
    assert clock_for(flipped, {"validation": 100, "test": 5000}).test_ratio == 100.0
    assert clock_for(experiment.with_overrides(**{"tuner.max_seconds": None}), {}).test_ratio == 0
