"""`search train` is recorded like a trial: a NaN loss ends its run FAILED with the reason, and a
tracking server stopped mid-training loses nothing once `search sync` has run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from search.cli import main
from tests.mlflow_server import MlflowServer, free_port

pytestmark = pytest.mark.slow

SMALL = {"conv_blocks": 1, "dense_units": 32, "head": "global_average"}
EPOCHS = 3


def _fixed(write_experiment, learning_rate: float, epochs: int = 1) -> Path:
    """A best config as `search export` writes one: every hyperparameter fixed."""
    return write_experiment(
        {
            "dataset": {"name": "sklearn_digits"},
            "space": {
                "name": "image-cnn",
                "hyperparameters": {**SMALL, "learning_rate": learning_rate},
            },
            "training": {"epochs": epochs},
        }
    )


def _train_runs(uri: str, experiment: str = "exp") -> list:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name(experiment)
    return client.search_runs([found.experiment_id], filter_string="tags.`search.kind` = 'train'")


def test_a_nan_loss_ends_the_training_run_failed_with_its_reason(
    runner, write_experiment, tfds_dir, tmp_path
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    path = _fixed(write_experiment, 1e12)  # Adam at this rate: the loss turns NaN or inf
    result = runner.invoke(
        main, ["train", str(path), "--data-dir", str(tfds_dir), "--tracking-uri", uri]
    )

    assert result.exit_code == 1, result.output
    [line] = result.stderr.splitlines()
    assert re.fullmatch(
        r"error: training failed: non-finite training loss \((nan|inf)\) at batch \d+; "
        r"try a lower learning_rate \(the run is marked FAILED, its files are in .*train-.*\)",
        line,
    ), line
    [run] = _train_runs(uri)
    assert run.info.status == "FAILED"
    assert run.data.tags["search.failure_reason"].startswith("non-finite training loss (")
    [train_dir] = (tmp_path / "runs" / "exp").glob("train-*")
    assert '"status": "failed"' in (train_dir / "state.json").read_text()


def test_training_stops_early_like_a_trial_when_the_objective_stops_improving(
    runner, write_experiment, tfds_dir, tmp_path
) -> None:
    """A learning rate of 1e-30 and no batch statistics: the weights never move, so val_accuracy
    never improves and patience 1 stops after the second epoch of six."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    path = write_experiment(
        {
            "dataset": {"name": "sklearn_digits"},
            "space": {
                "name": "image-cnn",
                "hyperparameters": {**SMALL, "normalization": "none", "learning_rate": 1e-30},
            },
            "training": {"epochs": 6, "early_stopping_patience": 1},
        }
    )
    args = ["train", str(path), "--data-dir", str(tfds_dir), "--tracking-uri", uri]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    from mlflow.tracking import MlflowClient

    [run] = _train_runs(uri)
    history = MlflowClient(tracking_uri=uri).get_metric_history(run.info.run_id, "val_accuracy")
    assert sorted(m.step for m in history) == [0, 1]


def test_server_stopped_mid_training_then_synced_leaves_one_complete_run(
    runner, write_experiment, tfds_dir, tmp_path, monkeypatch
) -> None:
    from mlflow.tracking import MlflowClient

    from search.reuse.train_record import EpochsToJournal

    server = MlflowServer(tmp_path, free_port())
    relay = EpochsToJournal.on_epoch_end

    def stop_after_first_epoch(self, epoch, logs=None):
        relay(self, epoch, logs)
        if epoch == 0:
            server.stop()  # the first epoch reached MLflow; then it goes away

    monkeypatch.setattr(EpochsToJournal, "on_epoch_end", stop_after_first_epoch)
    path = _fixed(write_experiment, 0.003, epochs=EPOCHS)
    args = ["train", str(path), "--data-dir", str(tfds_dir), "--tracking-uri", server.uri]
    try:
        server.start()
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        [train_dir] = (tmp_path / "runs" / "exp").glob("train-*")
        assert "registered model:  pending" in result.stdout
        assert f"search sync {train_dir}" in result.stderr

        server.start()
        synced = runner.invoke(main, ["sync", str(path)])
        assert synced.exit_code == 0, synced.output
        assert synced.stdout.strip().endswith("records written, 0 pending")

        [run] = _train_runs(server.uri)
        assert run.info.status == "FINISHED"
        assert "score" in run.data.metrics and "test_accuracy" in run.data.metrics
        client = MlflowClient(tracking_uri=server.uri)
        history = client.get_metric_history(run.info.run_id, "val_loss")
        assert sorted(m.step for m in history) == list(range(EPOCHS))
        assert client.get_model_version_by_alias("exp", "retrained").run_id == run.info.run_id

        again = runner.invoke(main, ["sync", str(train_dir)])  # nothing twice
        assert again.stdout.strip().endswith("0 records written, 0 pending")
        assert len(_train_runs(server.uri)) == 1
        assert len(client.search_model_versions("name = 'exp'")) == 1
    finally:
        server.stop()
