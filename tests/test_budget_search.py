"""A short budget on a real dataset: ASHA stops bad trials after their first epoch, the
search tries more configurations than full trials would fit, and the command ends within
its budget by its own clock (the parent run's recorded start and end)."""

from __future__ import annotations

import pytest

from search.cli import main

pytestmark = pytest.mark.slow

BUDGET, EPOCHS = 40.0, 8  # rungs at 1 and 3 epochs (reduction factor 3)
RUNG_1 = "epoch 3 (asha rung 1)"


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

    assert all(t.info.status == "FINISHED" for t in trials), "stopped trials are not failures"
    stopped = {t.data.tags["search.trial_id"]: t.data.tags.get("search.stopped") for t in trials}
    at_rungs = [s for s in stopped.values() if s in ("epoch 1 (asha rung 0)", RUNG_1)]
    assert at_rungs, f"no trial stopped at an early rung: {stopped}"
    for trial in trials:
        if trial.data.tags.get("search.stopped"):
            note = trial.data.tags["mlflow.note.content"]
            assert f"stopped early at {trial.data.tags['search.stopped']}" in note
    full = [t for t in trials if not t.data.tags.get("search.stopped")]
    spent = sum(t.data.metrics["trial_seconds"] for t in trials)
    longest = max(t.data.metrics["trial_seconds"] for t in full or trials)
    assert len(trials) > spent / longest, "more configurations than full trials would fit"
    best = parent.data.params
    best_trial = next(t for t in trials if _same_values(t.data.params, best))
    assert best_trial in full or not full, "the best is one that trained furthest"


def _same_values(trial_params: dict[str, str], parent_params: dict[str, str]) -> bool:
    best = {k.removeprefix("best."): v for k, v in parent_params.items() if k.startswith("best.")}
    return bool(best) and all(trial_params.get(k) == v for k, v in best.items())
