"""Stopping rules on a real keras-tuner oracle: trials report epochs through `update_trial`
(as a worker's would over gRPC), the oracle answers STOPPED, the trial carries the mark."""

from __future__ import annotations

import time
from pathlib import Path

import keras_tuner as kt
import pytest

from search.errors import ConfigError
from search.experiment import TrainingConfig, TunerConfig
from search.tuning.best_model import best_of
from search.tuning.events import outcome_of
from search.tuning.oracle import TrialOracle
from search.tuning.stopping import AshaRule, MedianRule, rule_of, stop_of


def oracle(tmp_path: Path) -> kt.Oracle:
    made = kt.oracles.RandomSearchOracle(objective="val_accuracy", max_trials=50, seed=1)
    made._set_project_dir(str(tmp_path), "project")
    hp = kt.HyperParameters()
    hp.Int("units", 1, 1000)
    made.update_space(hp)
    return made


def run(wrapped: TrialOracle, curve: list[float], end: bool = True) -> tuple[str, int]:
    """One trial reporting `curve` epoch by epoch until told to stop: (id, epochs trained)."""
    trial = wrapped.oracle.create_trial("tuner0")
    trained = 0
    for epoch, value in enumerate(curve):
        trained = epoch + 1
        if wrapped.report_epoch(trial.trial_id, epoch, {"val_accuracy": value, "loss": 1.0}):
            break
    if end:
        trial.status = "COMPLETED"
        wrapped.oracle.end_trial(trial)
    return trial.trial_id, trained


def test_the_median_rule_stops_a_trial_worse_than_the_completed_ones_after_its_grace(
    tmp_path,
) -> None:
    wrapped = TrialOracle(oracle(tmp_path), rule=MedianRule(grace_epochs=2, min_trials=2))
    run(wrapped, [0.5, 0.6, 0.7, 0.8])
    run(wrapped, [0.6, 0.7, 0.8, 0.9])
    bad, trained = run(wrapped, [0.1, 0.2, 0.3, 0.4])
    assert trained == 2, "judged after its 2 grace epochs, stopped at once"
    recorded = wrapped.oracle.get_trial(bad)
    assert stop_of(recorded) == (2, "median")
    outcome = outcome_of(recorded, seconds=1.0)
    assert (outcome.status, outcome.stopped) == ("COMPLETED", "epoch 2 (median)")
    assert outcome.score == pytest.approx(0.2)
    assert "stopped_by_median" not in outcome.metrics
    good, trained = run(wrapped, [0.9, 0.9, 0.95, 0.99])
    assert trained == 4 and stop_of(wrapped.oracle.get_trial(good)) is None


def test_asha_keeps_the_top_third_at_each_rung_and_no_trial_waits(tmp_path) -> None:
    rule = AshaRule(min_epochs=1, factor=3, max_epochs=9)
    assert rule.rungs() == [1, 3]
    wrapped = TrialOracle(oracle(tmp_path), rule=rule)
    first, trained = run(wrapped, [0.5] * 9)
    assert trained == 9, "the first trial at a rung is the top of it: it goes on, alone"
    scores = [0.4, 0.3, 0.6, 0.2, 0.1, 0.7]
    results = [run(wrapped, [s] * 9) for s in scores]
    # rung 0 (1 epoch): in the top max(1, n // 3) of the trials that reached it so far
    assert [trained for _, trained in results] == [1, 1, 9, 1, 1, 9]
    stopped = wrapped.oracle.get_trial(results[0][0])
    assert outcome_of(stopped, 1.0).stopped == "epoch 1 (asha rung 0)"


def test_asha_stops_at_the_second_rung_too(tmp_path) -> None:
    wrapped = TrialOracle(oracle(tmp_path), rule=AshaRule(1, 2, 8))  # rungs 1, 2, 4
    run(wrapped, [0.5, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9])
    trial_id, trained = run(wrapped, [0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6])
    assert trained == 2
    assert stop_of(wrapped.oracle.get_trial(trial_id)) == (2, "asha_rung_1")


def test_at_the_deadline_the_running_trial_stops_and_keeps_its_best_epoch(tmp_path) -> None:
    wrapped = TrialOracle(oracle(tmp_path), deadline=time.time() + 3600)
    trial = wrapped.oracle.create_trial("tuner0")
    assert not wrapped.report_epoch(trial.trial_id, 0, {"val_accuracy": 0.8})
    wrapped.deadline = time.time() - 1
    assert wrapped.report_epoch(trial.trial_id, 1, {"val_accuracy": 0.7})
    trial.status = "COMPLETED"
    wrapped.oracle.end_trial(trial)
    recorded = wrapped.oracle.get_trial(trial.trial_id)
    assert (str(recorded.status), recorded.score, recorded.best_step) == ("COMPLETED", 0.8, 0)
    assert outcome_of(recorded, 1.0).stopped == "epoch 2 (deadline)"
    assert str(wrapped.oracle.create_trial("tuner0").status) == "STOPPED", "none started after"


def test_a_trial_whose_last_epoch_ends_at_the_deadline_competes_as_fully_trained(
    tmp_path,
) -> None:
    wrapped = TrialOracle(oracle(tmp_path), deadline=time.time() + 3600, epochs=2)
    run(wrapped, [0.8, 0.85])
    late = wrapped.oracle.create_trial("tuner0")
    assert not wrapped.report_epoch(late.trial_id, 0, {"val_accuracy": 0.5})
    wrapped.deadline = time.time() - 1  # the budget ran out during its last epoch
    wrapped.report_epoch(late.trial_id, 1, {"val_accuracy": 0.9})
    late.status = "COMPLETED"
    wrapped.oracle.end_trial(late)
    recorded = wrapped.oracle.get_trial(late.trial_id)
    assert stop_of(recorded) is None and outcome_of(recorded, 1.0).stopped is None
    assert best_of(wrapped.oracle).trial_id == late.trial_id


def test_no_trial_starts_when_the_time_left_is_under_the_shortest_first_epoch(tmp_path) -> None:
    wrapped = TrialOracle(oracle(tmp_path), deadline=time.time() + 3600)
    trial = wrapped.oracle.create_trial("tuner0")
    time.sleep(0.3)
    wrapped.report_epoch(trial.trial_id, 0, {"val_accuracy": 0.8})
    trial.status = "COMPLETED"
    wrapped.oracle.end_trial(trial)
    wrapped.deadline = time.time() + 0.1  # before the deadline, but under one epoch (0.3 s)
    assert str(wrapped.oracle.create_trial("tuner0").status) == "STOPPED"


def test_the_best_trial_is_one_that_trained_furthest(tmp_path) -> None:
    wrapped = TrialOracle(oracle(tmp_path), rule=AshaRule(1, 3, 9))
    run(wrapped, [0.5, 0.6, 0.7, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8])
    lucky, trained = run(wrapped, [0.4, 0.99, 0.99])  # a noisy early best, stopped at rung 0
    assert trained == 1
    # the stopped trial's score (0.4) is lower here; make one that stopped score highest
    wrapped.oracle.get_trial(lucky).score = 0.99
    best = best_of(wrapped.oracle)
    assert best.trial_id != lucky and stop_of(best) is None


def test_hyperbands_best_is_one_of_its_furthest_rounds_not_a_lucky_first_epoch(tmp_path) -> None:
    made = kt.oracles.HyperbandOracle(objective="val_accuracy", max_epochs=9, factor=3, seed=1)
    made._set_project_dir(str(tmp_path), "project")
    hp = kt.HyperParameters()
    hp.Int("units", 1, 1000)
    made.update_space(hp)
    first_round = []
    while True:
        trial = made.create_trial("tuner0")
        if trial.hyperparameters.values["tuner/epochs"] > 1:  # the round of 3 epochs began
            break
        first_round.append(trial.trial_id)
        lucky = len(first_round) == 1  # a noisy first epoch beats everything after it
        made.update_trial(trial.trial_id, {"val_accuracy": 0.99 if lucky else 0.5}, step=0)
        trial.status = "COMPLETED"
        made.end_trial(trial)
    made.update_trial(trial.trial_id, {"val_accuracy": 0.8}, step=2)
    trial.status = "COMPLETED"
    made.end_trial(trial)
    assert len(first_round) == 9
    assert made.get_best_trials(1)[0].trial_id == first_round[0]  # keras-tuner's own pick
    assert best_of(made).trial_id == trial.trial_id


def test_the_median_rule_judges_an_epoch_once_min_trials_completed_trials_reached_it(
    tmp_path,
) -> None:
    wrapped = TrialOracle(oracle(tmp_path), rule=MedianRule(grace_epochs=1, min_trials=3))
    run(wrapped, [0.5, 0.6])
    run(wrapped, [0.6, 0.7])
    _, trained = run(wrapped, [0.1, 0.2])
    assert trained == 2, "two completed trials: the third is not judged, however bad"
    _, trained = run(wrapped, [0.1, 0.2])
    assert trained == 1, "three completed: the median (0.5) stops it after its first epoch"


def test_rules_from_the_config_and_asha_refuses_another_rule() -> None:
    training = TrainingConfig(epochs=9)
    assert rule_of(TunerConfig(kind="asha"), training) is None, "its oracle promotes instead"
    assert rule_of(TunerConfig(kind="random", early_stopping="asha"), training) == AshaRule(1, 3, 9)
    assert rule_of(TunerConfig(kind="bayesian", early_stopping="median"), training) == MedianRule(
        1, 3
    )
    assert rule_of(TunerConfig(kind="random"), training) is None
    with pytest.raises(ConfigError, match="tuner.kind asha stops trials by the asha rule"):
        rule_of(TunerConfig(kind="asha", early_stopping="median"), training)


def test_asha_with_another_rule_is_refused_before_anything_is_written(
    runner, write_experiment, tmp_path
) -> None:
    from search.cli import main
    from tests.conftest import files_under

    path = write_experiment(
        {
            "name": "exp",
            "space": {"name": "image-mlp"},
            "tuner": {"kind": "asha", "early_stopping": "median"},
        }
    )
    before = files_under(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = runner.invoke(main, ["run", str(path), "--tracking-uri", uri])
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "tuner.early_stopping.rule: tuner.kind asha stops trials by the asha rule, but got rule "
        "'median'; remove it or choose another tuner.kind"
    )
    assert files_under(tmp_path) == before
