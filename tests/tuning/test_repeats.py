"""Repeated configurations: counted in order, and a Bayesian oracle's repeats avoided."""

from __future__ import annotations

import keras_tuner as kt

from search.tuning.oracle import TrialOracle
from search.tuning.repeats import count_repeats, oracle_repeats


def test_count_repeats_counts_each_configuration_seen_before() -> None:
    trials = [{"a": 1, "b": "x"}, {"b": "x", "a": 1}, {"a": 2}, {"a": 1, "b": "x"}, {"a": 2.0}]
    assert count_repeats(trials) == 2  # 2.0 is not 2: values as the oracle recorded them
    assert count_repeats([]) == 0


def _bayesian(tmp_path, wrap: bool) -> kt.Oracle:
    oracle = kt.oracles.BayesianOptimizationOracle(
        objective=kt.Objective("score", "max"), max_trials=3, num_initial_points=1, seed=3
    )
    oracle._set_project_dir(str(tmp_path), "wrapped" if wrap else "plain")
    hp = kt.HyperParameters()
    hp.Choice("width", [8, 16, 32])
    oracle.update_space(hp)
    if wrap:
        TrialOracle(oracle)
    return oracle


def _run(oracle: kt.Oracle) -> list[dict]:
    """Three trials scored by a fixed function: the GP's optimum sits on a tried point."""
    for _ in range(3):
        trial = oracle.create_trial("tuner0")
        if str(trial.status) != "RUNNING":
            break
        values = trial.hyperparameters.values
        score = values["width"] / 32
        oracle.update_trial(trial.trial_id, {"score": score})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
    return [oracle.trials[t].hyperparameters.values for t in oracle.start_order]


def test_the_wrapped_bayesian_oracle_proposes_no_tried_configuration(tmp_path) -> None:
    plain = _bayesian(tmp_path, wrap=False)
    assert count_repeats(_run(plain)) > 0, "keras-tuner #608: the plain oracle repeats"
    wrapped = _bayesian(tmp_path, wrap=True)
    proposed = _run(wrapped)
    assert len(proposed) == 3  # the 3 configurations of the space
    assert count_repeats(proposed) == 0 == oracle_repeats(wrapped)
