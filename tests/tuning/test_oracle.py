"""The oracle wrapper on a real keras-tuner search: guarded events with wall times, a NaN
score never best, and a process's share of trials."""

from __future__ import annotations

import numpy as np

from search.experiment import TrainingConfig, TunerConfig
from search.tuning.oracle import TrialOracle
from search.tuning.tuners import build_tuner
from tests.distributed.test_oracle_server import oracle
from tests.tuning.test_budget import _tiny


class Broken:
    def trial_started(self, trial_id, hyperparameters) -> None:
        raise RuntimeError("a listener bug")

    def trial_ended(self, outcome) -> None:
        raise RuntimeError("a listener bug")

    def epoch_ended(self, trial_id, epoch, metrics) -> None:
        raise RuntimeError("a listener bug")


class Heard:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.outcomes: list = []

    def trial_started(self, trial_id, hyperparameters) -> None:
        self.events.append(("started", trial_id))

    def epoch_ended(self, trial_id, epoch, metrics) -> None:
        self.events.append(("epoch", trial_id))

    def trial_ended(self, outcome) -> None:
        self.events.append(("ended", outcome.trial_id))
        self.outcomes.append(outcome)


def test_a_broken_listener_neither_stops_the_search_nor_silences_the_others(tmp_path) -> None:
    heard = Heard()
    tuner = build_tuner(
        TunerConfig(kind="random", max_trials=2),
        TrainingConfig(epochs=1),
        _tiny,
        tmp_path / "tuner",
        listeners=[Broken(), heard],
        resume=False,
    )
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    tuner.search(x, y, validation_data=(x, y), epochs=1, verbose=0)
    assert heard.events == [
        ("started", "0"),
        ("epoch", "0"),
        ("ended", "0"),
        ("started", "1"),
        ("epoch", "1"),
        ("ended", "1"),
    ]
    assert [o.status for o in heard.outcomes] == ["COMPLETED", "COMPLETED"]
    assert all(o.seconds > 0 for o in heard.outcomes), "each trial's wall time"


def test_a_nan_score_fails_the_trial_and_it_never_becomes_best(tmp_path) -> None:
    heard = Heard()
    wrapped = TrialOracle(oracle(tmp_path, max_trials=2), [heard])
    for score in (float("nan"), 0.5):
        trial = wrapped.oracle.create_trial("tuner0")
        wrapped.oracle.update_trial(trial.trial_id, {"val_accuracy": score})
        trial.status = "COMPLETED"
        wrapped.oracle.end_trial(trial)
    assert [(o.status, o.score) for o in heard.outcomes] == [("FAILED", None), ("COMPLETED", 0.5)]
    assert wrapped.oracle.get_best_trials(1)[0].score == 0.5


def test_a_process_stops_asking_once_it_ran_its_share(tmp_path) -> None:
    wrapped = TrialOracle(oracle(tmp_path), trials_per_process=1)
    assert str(wrapped.oracle.create_trial("worker-1").status) == "RUNNING"
    assert not wrapped.exhausted
    assert str(wrapped.oracle.create_trial("worker-1").status) == "STOPPED"
    assert wrapped.exhausted


def test_a_bayesian_search_models_after_a_third_of_its_trials_but_never_after_more_than_10(
    tmp_path,
) -> None:
    def first_random(max_trials: int) -> int:
        config = TunerConfig(kind="bayesian", max_trials=max_trials, max_seconds=600)
        directory = tmp_path / str(max_trials) / "tuner"
        tuner = build_tuner(config, TrainingConfig(), _tiny, directory, [], resume=False)
        return tuner.oracle.num_initial_points

    assert first_random(6) == 2
    assert first_random(30) == 10
    assert first_random(200) == 10, "a cap under a time budget: a third would be all random"
