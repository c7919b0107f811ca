"""A short budget on a real dataset: ASHA trains each configuration 1 epoch, continues only
the best third, the search tries several configurations where few full trials would fit,
and the command ends within its budget by its own clock (the parent run's recorded start
and end)."""

from __future__ import annotations

import pytest

from search.cli import main

pytestmark = pytest.mark.slow

BUDGET, EPOCHS = 40.0, 8  # rungs at 1 and 3 epochs (reduction factor 3)


def test_a_short_budget_stops_bad_trials_and_ends_in_time(
    runner, write_experiment, tfds_dir, tmp_path
) -> None:
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    path = write_experiment(
        {
            "name": "exp",
            "space": {"name": "image-mlp"},
            "tuner": {"kind": "asha", "max_trials": 100, "max_seconds": BUDGET, "seed": 3},
            # small batches: an epoch takes a while, so stopping after one saves a lot
            "training": {"epochs": EPOCHS, "batch_size": 16},
        }
    )
    result = runner.invoke(
        main, ["run", str(path), "--data-dir", str(tfds_dir), "--tracking-uri", uri, "--quiet"]
    )
    assert result.exit_code == 0, result.output

    client = MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("exp").experiment_id])
    [parent] = [r for r in runs if r.data.tags["search.kind"] == "search"]
    trials = [r for r in runs if r.data.tags["search.kind"] == "trial"]
    seconds = (parent.info.end_time - parent.info.start_time) / 1000
    assert seconds <= BUDGET * 1.05, f"the search took {seconds:.1f}s of a {BUDGET:.0f}s budget"

    assert all(t.info.status == "FINISHED" for t in trials), "no trial failed or was killed"
    params = {t.data.tags["search.trial_id"]: t.data.params for t in trials}
    first_rung = sorted(i for i, p in params.items() if p["tuner/epochs"] == "1")
    promoted = {i: p["tuner/trial_id"] for i, p in params.items() if "tuner/trial_id" in p}
    assert len(first_rung) >= 4 and promoted, f"several configurations, some promoted: {params}"
    scores = {t.data.tags["search.trial_id"]: t.data.metrics["score"] for t in trials}
    first_three = first_rung[:3]
    assert promoted[min(promoted)] == max(first_three, key=scores.get), "the best of 3 goes on"
    trained = sum(int(p["tuner/epochs"]) - int(p["tuner/initial_epoch"]) for p in params.values())
    assert trained < len(first_rung) * EPOCHS / 2, "most configurations trained 1 or 3 epochs"
    best = parent.data.params
    best_trial = next(t for t in trials if _same_values(t.data.params, best))
    furthest = max(int(p["tuner/epochs"]) for p in params.values())
    assert int(best_trial.data.params["tuner/epochs"]) == furthest, "chosen among the furthest"


def _same_values(trial_params: dict[str, str], parent_params: dict[str, str]) -> bool:
    best = {k.removeprefix("best."): v for k, v in parent_params.items() if k.startswith("best.")}
    return bool(best) and all(trial_params.get(k) == v for k, v in best.items())
