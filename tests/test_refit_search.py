"""A real search with `tuner.refit` on offline digits: the model tested and registered is the
refit on train + validation, and a budget too short for it keeps the best trial's model."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from search.cli import main

pytestmark = pytest.mark.slow

TRAIN, VALIDATION, BATCH = 1257, 270, 32  # sklearn_digits as prepared offline


def _runs(uri: str) -> tuple[object, list[object]]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("exp").experiment_id])
    [parent] = [r for r in runs if r.data.tags["search.kind"] == "search"]
    return parent, [r for r in runs if r.data.tags["search.kind"] == "trial"]


def test_the_registered_model_is_the_refit_on_train_and_validation(
    runner, write_experiment, tfds_dir, tmp_path
) -> None:
    import keras
    from mlflow.tracking import MlflowClient

    from search.experiment import load_experiment
    from search.refit import refit_epochs
    from search.tuning.best_model import evaluate
    from search.tuning.prepare import prepare

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    path = write_experiment(
        {
            "name": "exp",
            "dataset": {"name": "sklearn_digits", "data_dir": str(tfds_dir)},
            "space": {"name": "image-mlp"},
            "tuner": {
                "kind": "random",
                "max_trials": 2,
                "seed": 1,
                "refit": True,
                "explore_fraction": 0.5,  # trials on half of train, the refit on all
            },
            "training": {"epochs": 3, "batch_size": BATCH},
        }
    )
    result = runner.invoke(main, ["run", str(path), "--tracking-uri", uri, "--quiet"])
    assert result.exit_code == 0, result.output

    parent, trials = _runs(uri)
    best = max(trials, key=lambda t: t.data.metrics["score"])
    epochs = refit_epochs(int(best.data.metrics["best_epoch"]), TRAIN, VALIDATION, 3)
    batches = math.ceil((TRAIN + VALIDATION) / BATCH)
    assert parent.data.tags["search.refit"] == (
        f"{epochs} epochs on train+validation ({TRAIN + VALIDATION} examples, "
        f"{batches} batches an epoch)"
    )
    version = MlflowClient(tracking_uri=uri).get_model_version(
        "exp", parent.data.tags["search.model_version"]
    )
    assert f"refit:             {parent.data.tags['search.refit']}\n" in result.stdout
    assert f"Refit of the best configuration: {parent.data.tags['search.refit']}" in (
        version.description
    )

    # The saved (and registered) model took every batch of train+validation for each epoch,
    # and the parent's test metrics are its own.
    model = keras.models.load_model(Path(parent.data.tags["search.dir"]) / "best-model.keras")
    assert int(model.optimizer.iterations) == epochs * batches
    # The search's compute counts the refit too: forward FLOPs x 3 x its examples x epochs.
    from search.speed.flops import forward_flops, training_flops

    client = MlflowClient(tracking_uri=uri)
    history = client.get_metric_history(parent.info.run_id, "search.compute_pflop")
    refit_flops = training_flops(forward_flops(model), TRAIN + VALIDATION) * epochs
    assert [m.value for m in history][-1] - history[0].value == pytest.approx(refit_flops / 1e15)
    experiment = load_experiment(str(path))
    data, _ = prepare(experiment)
    _, metrics, _ = evaluate(model, experiment, data)
    assert parent.data.metrics["test_accuracy"] == pytest.approx(metrics["accuracy"], abs=1e-6)


def test_a_budget_too_short_for_the_refit_skips_it(
    runner, write_experiment, tfds_dir, tmp_path
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    path = write_experiment(
        {
            "name": "exp",
            "dataset": {"name": "sklearn_digits", "data_dir": str(tfds_dir)},
            "space": {"name": "image-mlp"},
            # The trials' deadline (12 s less the 10 s finishing reserve) passes while the data
            # is prepared: the first trial (which always starts) stops after a batch, and 1% of
            # the rest (0.02 s) is under one refit epoch, however loaded the machine.
            "tuner": {
                "kind": "random",
                "max_trials": 100,
                "max_seconds": 12,
                "seed": 1,
                "refit": {"enabled": True, "share": 0.01},
            },
            "training": {"epochs": 2, "batch_size": 8},
        }
    )
    result = runner.invoke(main, ["run", str(path), "--tracking-uri", uri])
    assert result.exit_code == 0, result.output
    assert "refit skipped:" in result.stderr
    assert "under one epoch on train+validation" in result.stderr
    parent, _ = _runs(uri)
    assert "search.refit" not in parent.data.tags
    assert parent.data.tags.get("search.model_version")


def test_a_fill_refit_takes_the_budget_left_and_the_command_ends_within_it(
    runner, write_experiment, tfds_dir, tmp_path
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    budget = 30.0
    path = write_experiment(
        {
            "name": "exp",
            "dataset": {"name": "sklearn_digits", "data_dir": str(tfds_dir)},
            "space": {"name": "image-mlp"},
            "tuner": {
                "kind": "random",
                "max_trials": 1,
                "max_seconds": budget,
                "seed": 1,
                "refit": {"enabled": True, "share": 0.5, "epochs": "fill"},
            },
            "training": {"epochs": 1, "batch_size": BATCH},
        }
    )
    result = runner.invoke(main, ["run", str(path), "--tracking-uri", uri])
    assert result.exit_code == 0, result.output
    # a timed probe of its batches sized the refit: far more than the one epoch trials took
    planned = re.search(r"refit: (\d+) epochs fill the budget left", result.stderr)
    assert planned and int(planned[1]) > 2, result.stderr
    parent, _ = _runs(uri)
    # what it trained is on the run (fewer when a loaded machine reached the deadline first)
    trained = int(parent.data.tags["search.refit"].split()[0])
    assert 1 <= trained <= int(planned[1])
    seconds = (parent.info.end_time - parent.info.start_time) / 1000
    assert seconds <= budget * 1.05
