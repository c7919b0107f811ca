"""Trials that fail for real (an absurd learning rate drives the loss to NaN): the search
goes on, each failure is a FAILED run with its reason and traceback, and never the best."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.cli import main

pytestmark = pytest.mark.slow

ABSURD = 1e12  # Adam at this rate overflows the weights: the training loss becomes NaN
SMALL = {"conv_blocks": 1, "dense_units": 32, "head": "global_average"}


def _experiment(write_experiment, learning_rate, **tuner):
    return write_experiment(
        {
            "dataset": {"name": "sklearn_digits"},
            "space": {
                "name": "image-cnn",
                "hyperparameters": {**SMALL, "learning_rate": learning_rate},
            },
            "tuner": {"kind": "random", "seed": 3, **tuner},
            "training": {"epochs": 1},
        }
    )


def _search(runner, path, tfds_dir, uri):
    return runner.invoke(
        main, ["run", str(path), "--data-dir", str(tfds_dir), "--tracking-uri", uri, "--quiet"]
    )


def _trial_runs(uri):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("exp")
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    parent = [r for r in runs if r.data.tags.get("search.kind") == "search"]
    trials = [r for r in runs if r.data.tags.get("search.kind") == "trial"]
    return client, parent, trials


def test_nan_trials_fail_with_their_reason_and_the_best_is_a_finite_one(
    runner, write_experiment, tfds_dir, tmp_path
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    path = _experiment(write_experiment, [0.003, ABSURD], max_trials=3)
    result = _search(runner, path, tfds_dir, uri)
    assert result.exit_code == 0, result.output

    client, [parent], trials = _trial_runs(uri)
    absurd = [t for t in trials if float(t.data.params["learning_rate"]) == ABSURD]
    sane = [t for t in trials if float(t.data.params["learning_rate"]) != ABSURD]
    assert len(trials) == 3 and absurd and sane  # the seed draws both kinds
    for run in absurd:
        assert run.info.status == "FAILED" and run.data.tags["search.status"] == "FAILED"
        reason = run.data.tags["search.failure_reason"]
        assert reason.startswith("non-finite training loss (")
        assert "score" not in run.data.metrics
        traceback = client.download_artifacts(run.info.run_id, "traceback.txt", str(tmp_path))
        assert "FailedTrialError" in Path(traceback).read_text()
    assert all(r.info.status == "FINISHED" for r in sane)
    best = max(r.data.metrics["score"] for r in sane)
    assert parent.data.metrics["best_score"] == pytest.approx(best)
    assert float(parent.data.params["best.learning_rate"]) == 0.003
    assert f"trials:            {len(sane)} completed, {len(absurd)} failed" in result.stdout


def test_consecutive_failures_stop_the_search_with_one_clear_line(
    runner, write_experiment, tfds_dir, tmp_path
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    path = _experiment(write_experiment, ABSURD, max_trials=4, max_consecutive_failed_trials=2)
    result = _search(runner, path, tfds_dir, uri)

    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        "error: search stopped: 2 trials failed in a row (tuner.max_consecutive_failed_trials=2); "
        "last failure: non-finite training loss ("
    ), line
    _, [parent], trials = _trial_runs(uri)
    assert parent.info.status == "FAILED"
    assert [t.info.status for t in trials] == ["FAILED", "FAILED"]
