"""A real search on offline digits under `tuner.constraints`: max_params below what about half
of the space's models need. Every trial run carries what its model costs, the refused ones
never trained, the champion meets the limit; a space with no room stops with one line."""

from __future__ import annotations

import pytest

from search.cli import main
from search.tuning import penalty

pytestmark = pytest.mark.slow

# One conv block, global-average head, no normalization: models of 2,154 to 19,082 params,
# about half of them over 7,500 (seed 5 draws 2 of the first 6 under it).
SPACE = {"conv_blocks": 1, "head": "global_average", "normalization": "none"}
MAX_PARAMS = 7500


def _search(runner, write_experiment, tfds_dir, tmp_path, max_trials, max_params):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    path = write_experiment(
        {
            "dataset": {"name": "sklearn_digits"},
            "space": {"name": "image-cnn", "hyperparameters": SPACE},
            "tuner": {
                "kind": "random",
                "seed": 5,
                "max_trials": max_trials,
                "constraints": {"max_params": max_params},
            },
            "training": {"epochs": 1},
        }
    )
    args = ["run", str(path), "--data-dir", str(tfds_dir), "--tracking-uri", uri]
    return runner.invoke(main, args), uri


def _runs(uri):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("exp").experiment_id])
    parent = [r for r in runs if r.data.tags.get("search.kind") == "search"]
    trials = [r for r in runs if r.data.tags.get("search.kind") == "trial"]
    return client, parent, trials


def test_a_constrained_search_measures_every_trial_and_its_champion_meets_the_limit(
    runner, write_experiment, tfds_dir, tmp_path
) -> None:
    result, uri = _search(runner, write_experiment, tfds_dir, tmp_path, 2, MAX_PARAMS)
    assert result.exit_code == 0, result.output
    client, [parent], trials = _runs(uri)
    refused = [t for t in trials if "search.refused" in t.data.tags]
    trained = [t for t in trials if "search.refused" not in t.data.tags]
    assert len(trained) == 2 and refused  # refusals do not use up max_trials
    assert f"trials:            2 completed, {len(refused)} refused" in result.stdout

    for run in trials:
        assert run.info.status == "FINISHED" and {"params", "flops"} <= set(run.data.metrics)
    for run in refused:
        assert run.data.metrics["params"] > MAX_PARAMS
        assert run.data.tags["search.refused"].startswith("max_params: params ")
        assert not {"val_accuracy", "loss", "score"} & set(run.data.metrics)  # never trained
    for run in trained:
        metrics, tags = run.data.metrics, run.data.tags
        assert metrics["params"] <= MAX_PARAMS and metrics["model_bytes"] > 0
        assert metrics["latency_ms"] > 0 and metrics["latency_ms_batch32"] > 0
        assert tags["search.latency_cpu"] and int(tags["search.latency_threads"]) >= 1
        assert "search.latency_note" not in tags  # one process: not a parallel search

    best = [t for t in trained if t.data.metrics["score"] == parent.data.metrics["best_score"]]
    assert best and best[0].data.metrics["params"] <= MAX_PARAMS
    champion = client.get_model_version_by_alias("exp", "champion")
    assert champion.run_id == parent.info.run_id

    seconds = [t.data.metrics["trial_seconds"] for t in trained]
    saved = [t.data.metrics["trial_seconds"] for t in refused]
    note = f"{len(refused)} trial(s) refused before training by tuner.constraints, saving about"
    assert note in result.stderr and note in parent.data.tags["mlflow.note.content"]
    for run in refused:
        assert (
            "Result: refused before training by tuner.constraints"
            in run.data.tags["mlflow.note.content"]
        )
    print(  # the numbers for the record (pytest -s)
        f"\n{len(refused)} refused in {sum(saved):.1f}s, {len(trained)} trained in "
        f"{sum(seconds):.1f}s: about {len(refused) * sorted(seconds)[len(seconds) // 2]:.1f}s saved"
    )


def test_a_space_with_no_room_under_the_constraints_stops_with_one_line(
    runner, write_experiment, tfds_dir, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(penalty, "NO_ROOM_AFTER", 2)  # 50 in a real search
    result, uri = _search(runner, write_experiment, tfds_dir, tmp_path, 3, 10)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: search stopped: 2 models in a row were refused before training; the "
        "constraints (tuner.constraints max_params/max_flops) leave no room in the space"
    )
    client, [parent], trials = _runs(uri)
    assert parent.info.status == "FAILED" and len(trials) == 2
    assert not client.search_registered_models()  # no champion
