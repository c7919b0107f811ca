"""A real search with the ASHA stopping rule (random sampling) on the offline digits with two
objectives (accuracy and params): it runs to the end, ASHA stops only trials an earlier
trial dominates, never the smallest model so far, and no trial the front spared was stopped
(seed 3 draws the smallest model of the space fourth, after larger ones). Checked from the
trial runs alone: their score, params and epoch curves."""

from __future__ import annotations

import re

import pytest

from search.cli import main
from search.pareto import dominates

pytestmark = pytest.mark.slow

TRIALS, EPOCHS = 5, 2  # one rung, at epoch 1 (reduction factor 3)
DIRECTIONS = ["max", "min"]


def test_an_asha_search_on_two_objectives_never_stops_a_trial_on_the_front(
    runner, write_experiment, tfds_dir, tmp_path
) -> None:
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    objectives = [{"name": "val_accuracy"}, {"name": "params"}]
    path = write_experiment(
        {
            "name": "exp",
            "space": {"name": "image-mlp", "hyperparameters": {"dense_layers": 1}},
            "tuner": {
                "kind": "random",
                "early_stopping": "asha",  # the stopping form
                "max_trials": TRIALS,
                "seed": 3,
                "objectives": objectives,
            },
            "training": {"epochs": EPOCHS},
        }
    )
    args = ["run", str(path), "--data-dir", str(tfds_dir), "--tracking-uri", uri, "--quiet"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output

    client = MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("exp").experiment_id])
    trials = sorted(
        (r for r in runs if r.data.tags["search.kind"] == "trial"),
        key=lambda r: r.data.tags["search.trial_id"],
    )
    assert len(trials) == TRIALS and all(t.info.status == "FINISHED" for t in trials)
    points = [(t.data.metrics["score"], t.data.metrics["params"]) for t in trials]
    for i, trial in enumerate(trials):
        tags = trial.data.tags
        assert not ("search.spared" in tags and "search.stopped" in tags), tags
        if all(points[i][1] < p[1] for p in points[:i]):  # the smallest model so far
            assert "search.stopped" not in tags, "no earlier trial dominates it"
        if "search.stopped" in tags:  # the earlier trials had all completed (one worker)
            assert any(dominates(p, points[i], DIRECTIONS) for p in points[:i]), (i, points)
        if "search.spared" in tags:
            epochs = int(re.match(r"epoch (\d+): on the front by params", tags["search.spared"])[1])
            curve = client.get_metric_history(trial.info.run_id, "val_accuracy")
            own = (max(m.value for m in curve if m.step < epochs), points[i][1])
            assert not any(dominates(p, own, DIRECTIONS) for p in points[:i]), (i, points)
    decided = [t for t in trials if {"search.spared", "search.stopped"} & set(t.data.tags)]
    assert decided, f"ASHA judged no trial: {points}"
