"""A real `mlflow server` stopped in the middle of a search and started again: training goes
on, the records wait in the search's journal, and `search sync` writes each exactly once."""

from __future__ import annotations

from collections import Counter

import pytest

from search.cli import main
from search.tracking.journal import JOURNAL, pending_records
from tests.mlflow_server import MlflowServer, free_port
from tests.test_resume_after_kill import runs_by_kind, start_search, wait_for_journal

pytestmark = pytest.mark.slow

TRIALS, EPOCHS = 2, 2
SMALL = {"conv_blocks": 1, "dense_units": 32, "head": "global_average"}


def test_server_stopped_mid_search_then_synced_holds_every_trial_once(
    runner, write_experiment, tfds_dir, tmp_path
) -> None:
    from mlflow.tracking import MlflowClient

    server = MlflowServer(tmp_path, free_port())
    path = write_experiment(
        {
            "dataset": {"name": "sklearn_digits"},
            "space": {"name": "image-cnn", "hyperparameters": SMALL},
            "tuner": {"kind": "random", "max_trials": TRIALS},
            "training": {"epochs": EPOCHS},
        }
    )
    args = [str(path), "--data-dir", str(tfds_dir), "--tracking-uri", server.uri, "--quiet"]
    try:
        server.start()
        search = start_search(args, tmp_path / "search.log")
        wait_for_journal(
            tmp_path / "runs",
            lambda r: (
                r["op"] == "epoch_ended"
                and r["data"]["trial_id"] == "0"
                and r["data"]["epoch"] == 0
            ),
            search,
        )
        server.stop()  # the first trial is training; MLflow goes away
        assert search.wait(timeout=600) == 0, (tmp_path / "search.log").read_text()
        log = (tmp_path / "search.log").read_text()
        assert f"tracking store {server.uri} unreachable" in log
        [search_dir] = (tmp_path / "runs" / "exp").glob("2*")
        assert len(list((search_dir / "tuner").glob("trial_*/trial.json"))) == TRIALS
        assert pending_records(search_dir / JOURNAL)  # kept while the server was away
        assert f"search sync {search_dir}" in log

        server.start()
        synced = runner.invoke(main, ["sync", str(path)])
        assert synced.exit_code == 0, synced.output
        assert synced.stdout.strip().endswith("records written, 0 pending")
        assert pending_records(search_dir / JOURNAL) == []

        [parent], trials = runs_by_kind(server.uri)
        assert parent.info.status == "FINISHED" and "best_score" in parent.data.metrics
        assert Counter(t.data.tags["search.trial_id"] for t in trials) == {
            str(i): 1 for i in range(TRIALS)
        }
        assert {t.info.status for t in trials} == {"FINISHED"}
        client = MlflowClient(tracking_uri=server.uri)
        for trial in trials:
            history = client.get_metric_history(trial.info.run_id, "val_loss")
            assert sorted(m.step for m in history) == list(range(EPOCHS))
        assert client.get_model_version_by_alias("exp", "champion").version == "1"

        again = runner.invoke(main, ["sync", str(path)])  # nothing left: nothing written twice
        assert again.exit_code == 0 and again.stdout.strip().endswith(
            "0 records written, 0 pending"
        )
        assert len(runs_by_kind(server.uri)[1]) == TRIALS
    finally:
        server.stop()
