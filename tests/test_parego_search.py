"""A real Bayesian search on offline digits with two objectives (accuracy and size): each trial
the Gaussian process proposed carries the weights of its scalarization, and the process learned
from the trials' scalarized scores, as a user recomputes them from the trial runs' metrics."""

from __future__ import annotations

import keras_tuner as kt
import pytest

from search.cli import main
from search.objectives_config import ObjectiveConfig
from search.tuning.parego import describe, install, weights

pytestmark = pytest.mark.slow

SPACE = {"conv_blocks": 1, "head": "global_average", "normalization": "none"}
SEED, TRIALS = 5, 4  # num_initial_points: max(2, 4 // 3) = 2 random, then 2 proposed
OBJECTIVES = [ObjectiveConfig.model_validate(n) for n in ("val_accuracy", "params")]


def test_a_bayesian_search_with_two_objectives_proposes_by_scalarization(
    runner, write_experiment, tfds_dir, tmp_path
) -> None:
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    objectives = [{"name": "val_accuracy", "direction": "max"}, {"name": "params"}]
    path = write_experiment(
        {
            "dataset": {"name": "sklearn_digits"},
            "space": {"name": "image-cnn", "hyperparameters": SPACE},
            "tuner": {
                "kind": "bayesian",
                "seed": SEED,
                "max_trials": TRIALS,
                "objectives": objectives,
            },
            "training": {"epochs": 1},
        }
    )
    args = ["run", str(path), "--data-dir", str(tfds_dir), "--tracking-uri", uri]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output

    client = MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("exp").experiment_id])
    trials = {
        r.data.tags["search.trial_id"]: r for r in runs if r.data.tags.get("search.kind") == "trial"
    }
    assert sorted(trials) == ["0", "1", "2", "3"]
    tagged = {t: r.data.tags.get("search.parego_weights") for t, r in trials.items()}
    assert tagged == {
        "0": None,  # random initial points: no scalarization
        "1": None,
        "2": describe(OBJECTIVES, weights(SEED, "2", 2)),
        "3": describe(OBJECTIVES, weights(SEED, "3", 2)),
    }

    # What trial 3's proposal learned from, recomputed from trials 0-2's runs by hand.
    measured = {t: trials[t].data.metrics for t in ("0", "1", "2")}
    accuracy = {t: m["val_accuracy"] for t, m in measured.items()}
    params = {t: m["params"] for t, m in measured.items()}
    drawn = weights(SEED, "3", 2)
    oracle = _reloaded(tmp_path)
    del oracle.trials["3"]  # as it was when trial 3 was proposed
    expected = []
    for t in oracle.trials:  # the process's rows, in the reloaded oracle's order
        f = [_rescaled(accuracy, t, best=max), _rescaled(params, t, best=min)]
        weighted = [w * v for w, v in zip(drawn, f, strict=True)]
        expected.append(max(weighted) + 0.05 * sum(weighted))
    proposals = install(oracle, OBJECTIVES, SEED)
    assert proposals is not None
    proposals.proposing = "3"
    _, learned = oracle._vectorize_trials()
    assert list(learned) == pytest.approx(expected, abs=1e-6)
    assert min(expected) >= 0 and max(expected) <= 1.05


def _rescaled(values: dict[str, float], trial_id: str, best) -> float:
    """0 for the best trial, 1 for the worst."""
    low, high = min(values.values()), max(values.values())
    if high == low:
        return 0.0
    top = best(values.values())
    return abs(values[trial_id] - top) / (high - low)


def _reloaded(tmp_path) -> kt.Oracle:
    [saved] = list((tmp_path / "runs").rglob("oracle.json"))
    oracle = kt.oracles.BayesianOptimizationOracle(
        objective=kt.Objective("val_accuracy", "max"), max_trials=TRIALS, seed=SEED
    )
    oracle._set_project_dir(str(saved.parent.parent), saved.parent.name)
    oracle.reload()
    return oracle
