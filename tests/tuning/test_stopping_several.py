"""Early stopping with several objectives on a real keras-tuner oracle: ASHA ranks a rung by
non-dominated rank on the objective and the build-time measures, and no rule stops a trial
that no completed trial dominates. Trials report epochs through `update_trial` with their
params, as the `TrialStopper` does with several objectives."""

from __future__ import annotations

import pytest

from search.experiment import TrainingConfig, TunerConfig
from search.objectives_config import ObjectiveConfig
from search.tuning.events import outcome_of
from search.tuning.oracle import TrialOracle
from search.tuning.rung_points import cheap_objectives
from search.tuning.sparing import SpareTheFront
from search.tuning.stopping import AshaRule, MedianRule, rule_of, stop_of
from tests.tuning.test_stopping import oracle

PARAMS = (ObjectiveConfig(name="params", direction="min"),)


def run(wrapped: TrialOracle, accuracy: float, params: float | None, epochs: int) -> tuple:
    """One trial at a flat `accuracy`, reporting its params with every epoch until told to
    stop, then ended: (recorded trial, epochs trained)."""
    trial = wrapped.oracle.create_trial("tuner0")
    trained = 0
    for epoch in range(epochs):
        trained = epoch + 1
        measures = {} if params is None else {"params": params}
        if wrapped.report_epoch(trial.trial_id, epoch, {"val_accuracy": accuracy, **measures}):
            break
    trial.status = "COMPLETED"
    wrapped.oracle.end_trial(trial)
    return wrapped.oracle.get_trial(trial.trial_id), trained


def test_measures_known_after_training_are_judged_by_the_build_time_ones() -> None:
    names = ["val_accuracy", "latency_ms", "model_bytes", "flops", "latency_ms_batch32"]
    objectives = [ObjectiveConfig.model_validate(n) for n in names]
    assert [c.name for c in cheap_objectives(objectives)] == ["flops", "params"]
    assert cheap_objectives([ObjectiveConfig(), ObjectiveConfig.model_validate("val_loss")]) == ()


@pytest.mark.parametrize(
    ("rule", "params", "expected"),
    [
        (AshaRule(1, 3, 3, PARAMS), 100.0, 3),  # on the rung's front: second of 6, goes on
        (AshaRule(1, 3, 3), 100.0, 1),  # one objective: last of 6 at the rung, stops
        (AshaRule(1, 3, 3, PARAMS), 5000.0, 1),  # dominated by every other trial
        (AshaRule(1, 3, 3, PARAMS), None, 1),  # its params unknown: the objective alone
    ],
)
def test_asha_keeps_a_rungs_top_third_by_non_dominated_rank(tmp_path, rule, params, expected):
    wrapped = TrialOracle(oracle(tmp_path), rule=rule)
    first, trained = run(wrapped, 0.9, 1000.0, 3)
    assert trained == 3
    for accuracy, size in [(0.85, 1100.0), (0.84, 1200.0), (0.83, 1300.0), (0.82, 1400.0)]:
        # each is dominated by the first at rung 0: ranked behind it, 1 of 2..5 kept: stops
        assert run(wrapped, accuracy, size, 3)[1] == 1
    small, trained = run(wrapped, 0.5, params, 3)
    assert trained == expected
    assert (stop_of(small) is None) == (expected == 3)


def test_a_trial_no_completed_trial_dominates_is_spared_and_its_run_says_why(tmp_path) -> None:
    wrapped = TrialOracle(oracle(tmp_path), rule=SpareTheFront(MedianRule(1, min_trials=1), PARAMS))
    run(wrapped, 0.9, 1000.0, 3)
    run(wrapped, 0.8, 2000.0, 3)
    small, trained = run(wrapped, 0.5, 100.0, 3)  # worse than the median, but the smallest
    assert trained == 3 and stop_of(small) is None
    outcome = outcome_of(small, seconds=1.0)
    assert (outcome.stopped, outcome.spared) == (None, "epoch 3: on the front by params")
    assert not any(name.startswith("spared") for name in outcome.metrics)
    big, trained = run(wrapped, 0.5, 1500.0, 3)  # dominated by the first: the median stops it
    assert trained == 1 and stop_of(big) == (1, "median")
    assert outcome_of(big, seconds=1.0).spared is None


def test_with_no_completed_trial_yet_there_is_no_front_to_spare_by(tmp_path) -> None:
    rule = SpareTheFront(AshaRule(1, 3, 3, PARAMS), PARAMS)
    wrapped = TrialOracle(oracle(tmp_path), rule=rule)
    running = wrapped.oracle.create_trial("tuner1")  # another worker's, still training
    wrapped.report_epoch(running.trial_id, 0, {"val_accuracy": 0.9, "params": 1000.0})
    small, trained = run(wrapped, 0.5, 100.0, 3)
    assert trained == 1 and stop_of(small) == (1, "asha_rung_0")


def test_several_objectives_with_a_measure_spare_the_front_and_asha_ranks_by_it() -> None:
    objectives = [{"name": "val_accuracy"}, {"name": "latency_ms"}]
    several = TunerConfig(kind="random", early_stopping="asha", objectives=objectives)
    flops = (ObjectiveConfig(name="flops", direction="min"),)
    training = TrainingConfig(epochs=9)
    assert rule_of(several, training) == SpareTheFront(AshaRule(1, 3, 9, flops), flops)
    median = TunerConfig(kind="random", early_stopping="median", objectives=objectives)
    assert rule_of(median, training) == SpareTheFront(MedianRule(1), flops)
    metrics_only = [{"name": "val_accuracy"}, {"name": "val_loss"}]
    only = TunerConfig(kind="random", early_stopping="asha", objectives=metrics_only)
    assert rule_of(only, training) == AshaRule(1, 3, 9)
