"""Searches started at once on one fresh SQLite store (two terminals) must not crash in
MLflow's schema migration nor in creating their shared experiment."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

OPEN_AND_LOG = """
import sys
from search.tracking.store import connect, experiment_id
uri = sys.argv[1]
client = connect(uri)
run = client.create_run(experiment_id(client, "shared", uri))
client.set_terminated(run.info.run_id)
"""
PROCESSES = 3


def test_processes_opening_one_fresh_sqlite_store_at_once_all_succeed(tmp_path) -> None:
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    started = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AND_LOG, uri],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    outputs = [process.communicate(timeout=300)[0] for process in started]
    assert [p.returncode for p in started] == [0] * PROCESSES, outputs

    client = MlflowClient(tracking_uri=uri)
    [experiment] = [e for e in client.search_experiments() if e.name == "shared"]
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == PROCESSES and {r.info.status for r in runs} == {"FINISHED"}
