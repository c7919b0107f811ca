"""ParEGO: the Bayesian tuner's proposals with several objectives (seeded simplex weights, a
direction-aware scalarization, penalized trials the worst) on a real keras-tuner oracle."""

from __future__ import annotations

import keras_tuner as kt
import numpy as np
import pytest

from search.objectives_config import ObjectiveConfig
from search.outcome import BROKE_MARK, REFUSED_MARK
from search.tuning import parego
from search.tuning.oracle import TrialOracle
from search.tuning.parego import RHO, normalized, scalarize, trial_costs, weights
from search.tuning.repeats import oracle_repeats

ACCURACY, PARAMS = (ObjectiveConfig.model_validate(n) for n in ("val_accuracy", "params"))
BOTH = [ACCURACY, PARAMS]


def test_weights_lie_on_the_simplex_and_a_seed_and_trial_give_the_same_ones() -> None:
    for count in (2, 3, 5):
        drawn = weights(42, "07", count)
        assert len(drawn) == count and min(drawn) >= 0 and sum(drawn) == pytest.approx(1)
        assert weights(42, "07", count) == drawn
    assert weights(42, "08", 2) != weights(42, "07", 2) != weights(43, "07", 2)
    assert weights(42, "7", 2) == weights(42, "07", 2)  # the trial's number, padded or not


def test_weights_are_uniform_on_the_simplex() -> None:
    drawn = np.array([weights(1, str(n), 3) for n in range(3000)])
    assert drawn.mean(axis=0) == pytest.approx([1 / 3] * 3, abs=0.02)
    # uniform on the 2-simplex: a weight's marginal is Beta(1, 2), P(w < 0.5) = 0.75
    assert (drawn[:, 0] < 0.5).mean() == pytest.approx(0.75, abs=0.03)


def test_scalarization_is_the_augmented_chebyshev_of_the_weighted_costs() -> None:
    assert scalarize([0.5, 1.0], [0.2, 0.8]) == pytest.approx(0.8 + RHO * (0.1 + 0.8))
    assert scalarize([0.0, 0.0], [0.5, 0.5]) == 0.0
    assert scalarize([1.0, 1.0], [0.3, 0.7]) == pytest.approx(0.7 + RHO)  # the worst


def test_normalization_makes_zero_the_best_whichever_the_direction() -> None:
    costs = normalized({"a": [0.9, 3000.0], "b": [0.5, 1000.0], "c": [0.7, 2000.0]}, BOTH)
    assert costs == {"a": [0.0, 1.0], "b": [1.0, 0.0], "c": [pytest.approx(0.5), 0.5]}
    assert normalized({"a": [0.9, 10.0]}, BOTH) == {"a": [0.0, 0.0]}  # nothing to compare


def _trial(trial_id: str, status: str = "COMPLETED", **metrics: float) -> kt.engine.trial.Trial:
    trial = kt.engine.trial.Trial(kt.HyperParameters(), trial_id=trial_id, status=status)
    for name, value in metrics.items():
        trial.metrics.update(name, value, step=0)
    return trial


def test_penalized_trials_are_the_worst_and_failed_or_incomplete_ones_left_out() -> None:
    trials = [
        _trial("00", val_accuracy=0.9, params=4000),
        _trial("01", val_accuracy=0.6, params=1000),
        _trial("02", val_accuracy=0.99, params=100, **{BROKE_MARK: 1.0}),  # broke a constraint
        _trial("03", val_accuracy=0.0, params=90000, **{REFUSED_MARK: 1.0}),  # refused
        _trial("04", status="FAILED"),
        _trial("05", val_accuracy=0.8),  # its measures could not be taken
        _trial("06", status="RUNNING", val_accuracy=0.95, params=10),
    ]
    costs = trial_costs(trials, BOTH)
    assert costs == {"00": [0.0, 1.0], "01": [1.0, 0.0], "02": [1.0, 1.0], "03": [1.0, 1.0]}


def _oracle(tmp_path) -> kt.Oracle:
    oracle = kt.oracles.BayesianOptimizationOracle(
        objective=kt.Objective("val_accuracy", "max"),
        max_trials=10,  # trial ids 00, 01, ...
        num_initial_points=2,
        seed=3,
    )
    oracle.verbose = 0
    oracle._set_project_dir(str(tmp_path), "parego")
    hp = kt.HyperParameters()
    hp.Int("width", 1, 64)
    oracle.update_space(hp)
    return oracle


def _run(oracle: kt.Oracle, wrapper: TrialOracle, trials: int) -> None:
    """Trials whose accuracy and size both grow with the width: a real trade-off."""
    for _ in range(trials):
        trial = wrapper.create_trial("tuner0")
        if str(trial.status) != "RUNNING":
            break
        width = trial.hyperparameters.values["width"]
        metrics = {"val_accuracy": 1 - 1 / (1 + width), "params": 100.0 * width}
        oracle.update_trial(trial.trial_id, metrics)
        trial.status = "COMPLETED"
        wrapper.end_trial(trial)


def fitted_targets(gpr) -> np.ndarray:
    """The scores a Gaussian process was fitted to (sklearn keeps them normalized)."""
    return gpr.y_train_ * gpr._y_train_std + gpr._y_train_mean


class Notes:
    def __init__(self) -> None:
        self.notes: dict[str, dict[str, str]] = {}

    def trial_measured(self, trial_id: str, measures: dict, notes: dict[str, str]) -> None:
        self.notes[trial_id] = notes


def test_each_gaussian_process_proposal_is_fitted_to_that_trials_scalarization(tmp_path) -> None:
    oracle, listener = _oracle(tmp_path), Notes()
    proposals = parego.install(oracle, BOTH, seed=3)
    wrapper = TrialOracle(oracle, [listener], proposals=proposals)
    _run(oracle, wrapper, 4)
    assert proposals is not None and sorted(proposals.proposed) == ["02", "03"]  # not the random
    for trial_id in ("02", "03"):
        drawn = weights(3, trial_id, 2)
        assert listener.notes[trial_id] == {
            "parego": f"val_accuracy {drawn[0]:.2f}, params {drawn[1]:.2f}"
        }
    assert not {"00", "01"} & set(listener.notes)

    # The last fit (trial 03's proposal) learned trials 00-02's scalarized scores, not accuracy.
    learned = [oracle.trials[t] for t in ("00", "01", "02")]
    costs = trial_costs(learned, BOTH)
    expected = [scalarize(costs[t.trial_id], weights(3, "03", 2)) for t in learned]
    assert list(fitted_targets(oracle.gpr)) == pytest.approx(expected)

    # What the process learns from for trial 04's proposal: the 4 trials' scalarized scores.
    proposals.proposing = "04"
    _, y = oracle._vectorize_trials()
    costs = trial_costs(list(oracle.trials.values()), BOTH)
    expected = [scalarize(costs[t], weights(3, "04", 2)) for t in oracle.trials]
    assert list(y) == pytest.approx(expected)
    assert oracle.get_best_trials(1)[0].score == max(t.score for t in oracle.trials.values())
    assert all(0 < t.score < 1 for t in oracle.trials.values())  # scores stay the accuracy
    assert oracle_repeats(oracle) == 0


def test_one_objective_or_another_tuner_gets_no_scalarization(tmp_path) -> None:
    assert parego.install(_oracle(tmp_path), [ACCURACY], seed=3) is None
    random = kt.oracles.RandomSearchOracle(objective="val_accuracy", max_trials=2)
    assert parego.install(random, BOTH, seed=3) is None


def test_with_no_trial_scalarizable_the_process_learns_the_first_objective(tmp_path) -> None:
    """Objectives no trial recorded (say, a latency that could not be measured): keras-tuner's
    own fit, and no weights claimed."""
    oracle = _oracle(tmp_path)
    latency = ObjectiveConfig.model_validate("latency_ms")
    proposals = parego.install(oracle, [ACCURACY, latency], seed=3)
    _run(oracle, TrialOracle(oracle, proposals=proposals), 3)
    assert proposals is not None and proposals.proposed == {}
    first = [oracle.trials[t].score for t in ("00", "01")]
    assert list(fitted_targets(oracle.gpr)) == pytest.approx([-s for s in first])
