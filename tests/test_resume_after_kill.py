"""A search killed with SIGKILL in the middle of a trial resumes: finished trials are not run
again, the interrupted one is, and MLflow holds every finished trial exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from search.cli import main
from tests.conftest import REPO

pytestmark = pytest.mark.slow

TRIALS, EPOCHS = 2, 3
SMALL = {"conv_blocks": 1, "dense_units": 32, "head": "global_average"}


def wait_for_journal(directory: Path, wanted, process, limit: float = 300) -> None:
    """Polls the search's tracking journal until a record matches (the search is alive)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert process.poll() is None, "the search ended before the moment to interrupt it"
        for journal in directory.glob("*/*/tracking-journal.jsonl"):
            for line in journal.read_text().splitlines():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if "op" in record and wanted(record):
                    return
        time.sleep(0.02)
    raise AssertionError("the search never reached the moment to interrupt it")


def start_search(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    with open(log, "w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "search", "run", *args],
            cwd=REPO,
            stdout=out,
            stderr=out,
            env=env,
        )


def runs_by_kind(uri: str, experiment: str = "exp"):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name(experiment)
    runs = client.search_runs([found.experiment_id], max_results=1000)
    return (
        [r for r in runs if r.data.tags.get("search.kind") == "search"],
        [r for r in runs if r.data.tags.get("search.kind") == "trial"],
    )


def test_sigkill_mid_trial_then_run_again_resumes_with_every_trial_once(
    runner, write_experiment, tfds_dir, tmp_path
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    path = write_experiment(
        {
            "dataset": {"name": "sklearn_digits"},
            "space": {"name": "image-cnn", "hyperparameters": SMALL},
            "tuner": {"kind": "random", "max_trials": TRIALS},
            "training": {"epochs": EPOCHS},
        }
    )
    args = [str(path), "--data-dir", str(tfds_dir), "--tracking-uri", uri, "--quiet"]
    search = start_search(args, tmp_path / "first.log")
    try:
        # The second trial has finished its first epoch: it is mid-training now.
        wait_for_journal(
            tmp_path / "runs",
            lambda r: (
                r["op"] == "epoch_ended"
                and r["data"]["trial_id"] == "1"
                and r["data"]["epoch"] == 0
            ),
            search,
        )
        search.send_signal(signal.SIGKILL)
    finally:
        search.kill()
        search.wait()

    [parent], trials = runs_by_kind(uri)
    assert parent.info.status == "RUNNING"
    assert sorted((t.data.tags["search.trial_id"], t.info.status) for t in trials) == [
        ("0", "FINISHED"),
        ("1", "RUNNING"),
    ]

    # The narrowest window: keras-tuner saved trial 0 as ended, the kill came before its end
    # reached MLflow. The resumed search must record it from the tuner's project.
    from mlflow.tracking import MlflowClient

    first = next(t for t in trials if t.data.tags["search.trial_id"] == "0")
    MlflowClient(tracking_uri=uri).update_run(first.info.run_id, status="RUNNING")

    result = runner.invoke(main, ["run", *args])
    assert result.exit_code == 0, result.output
    assert "(resumed)" in result.stdout

    [resumed], trials = runs_by_kind(uri)
    assert resumed.info.run_id == parent.info.run_id and resumed.info.status == "FINISHED"
    finished = Counter(
        t.data.tags["search.trial_id"] for t in trials if t.info.status == "FINISHED"
    )
    assert finished == {str(i): 1 for i in range(TRIALS)}
    killed = [t for t in trials if t.info.status == "KILLED"]
    assert [t.data.tags["search.trial_id"] for t in killed] == ["1"]
    assert len(trials) == TRIALS + 1  # nothing else: no RUNNING run, no duplicate
    # The first trial was not trained again: its run got its epochs once.
    first = next(t for t in trials if t.data.tags["search.trial_id"] == "0")
    history = MlflowClient(tracking_uri=uri).get_metric_history(first.info.run_id, "loss")
    assert sorted(m.step for m in history) == list(range(EPOCHS))
    # The search's compute counts the trial run before the kill as well as the one after it.
    finished_runs = [t for t in trials if t.info.status == "FINISHED"]
    total = sum(t.data.metrics["train_pflop"] for t in finished_runs)
    assert resumed.data.metrics["search.compute_pflop"] == pytest.approx(total)
