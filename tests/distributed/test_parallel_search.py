"""Parallel searches on keras-tuner's chief/worker engine, on loopback: every planned trial in
MLflow once, under one parent, tagged with the worker that ran it; a worker killed mid-trial
costs the search nothing but a KILLED run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest

from search.tracking.server import free_port
from tests.conftest import REPO
from tests.mlflow_server import MlflowServer

pytestmark = pytest.mark.slow

SMALL = {"conv_blocks": 1, "dense_units": 32, "head": "global_average", "normalization": "none"}
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}


def search_command(*args: str, log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "search", *args], cwd=REPO, stdout=out, stderr=out, env=ENV
        )


def experiment(write_experiment, trials: int, epochs: int) -> Path:
    return write_experiment(
        {
            "dataset": {"name": "sklearn_digits"},
            "space": {"name": "image-cnn", "hyperparameters": SMALL},
            "tuner": {"kind": "random", "max_trials": trials},
            "training": {"epochs": epochs},
        }
    )


def search_runs(uri: str):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name("exp")
    runs = client.search_runs([found.experiment_id], max_results=1000) if found else []
    parents = [r for r in runs if r.data.tags.get("search.kind") == "search"]
    trials = [r for r in runs if r.data.tags.get("search.kind") == "trial"]
    return parents, trials


def wait(process: subprocess.Popen, log: Path, limit: float = 420, beside=()) -> None:
    """Waits for `process` to succeed; fails at once when one of `beside` (log, process)
    fails first (a chief would wait for its remote workers forever)."""
    deadline = time.monotonic() + limit
    while process.poll() is None:
        for other, other_log in beside:
            assert other.poll() in (None, 0), other_log.read_text()[-3000:]
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"still running after {limit}s:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    assert process.returncode == 0, log.read_text()[-3000:]


def test_a_chief_and_two_workers_log_every_trial_once_under_one_parent(
    write_experiment, tfds_dir, tmp_path
) -> None:
    """The multi-host roles on loopback: `search chief` and two `search worker`s that find
    the search from the chief's port and read the experiment from its MLflow run."""
    trials = 4
    path = experiment(write_experiment, trials=trials, epochs=1)
    port = free_port()
    with MlflowServer(tmp_path, free_port()) as server:
        chief = search_command(
            "chief", str(path), "--host", "127.0.0.1", "--port", str(port),
            "--tracking-uri", server.uri, "--data-dir", str(tfds_dir), "--quiet",
            log=tmp_path / "chief.log",
        )  # fmt: skip
        # alpha finds the chief's search directory (this host shares it); beta keeps its
        # checkpoints in its own, as on a host that does not.
        homes = {"alpha": [], "beta": ["--project-dir", str(tmp_path / "beta-host")]}
        workers = []
        for number, (name, home) in enumerate(homes.items()):
            cpu = str(number % (os.cpu_count() or 1))
            address = f"127.0.0.1:{port}"
            args = ["--chief", address, "--tracking-uri", server.uri, "--id", name, "--cpus", cpu]
            workers.append(search_command("worker", *args, *home, log=tmp_path / f"{name}.log"))
        logs = [tmp_path / f"{name}.log" for name in homes]
        wait(chief, tmp_path / "chief.log", beside=list(zip(workers, logs, strict=True)))
        for process, name in zip(workers, ["alpha", "beta"], strict=True):
            wait(process, tmp_path / f"{name}.log", limit=60)
        parents, trial_runs = search_runs(server.uri)

    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    parent_id = parents[0].info.run_id
    assert parents[0].data.tags["search.model_version"] == "1"
    assert Counter(r.data.tags["search.trial_id"] for r in trial_runs) == Counter(
        {f"{i}": 1 for i in range(trials)}
    ), "every planned trial exactly once"
    assert all(r.info.status == "FINISHED" for r in trial_runs)
    assert all(r.data.tags["mlflow.parentRunId"] == parent_id for r in trial_runs)
    assert {r.data.tags["search.worker"] for r in trial_runs} <= {"alpha", "beta"}
    assert all("val_accuracy" in r.data.metrics for r in trial_runs)
    search_dir = Path(parents[0].data.tags["search.dir"])
    checkpoints = {"alpha": search_dir, "beta": tmp_path / "beta-host"}
    for run in trial_runs:
        trial = f"trial_{run.data.tags['search.trial_id']}"
        home = checkpoints[run.data.tags["search.worker"]]
        assert list((home / "tuner" / trial).glob("checkpoint*")), f"{trial} checkpoint at {home}"
    # Each worker counted its own trials' compute (forward FLOPs x 3 x samples, 1 epoch); the
    # parent holds their sum (this experiment has no refit).
    samples = int(parents[0].data.params["data.train_size"])
    for run in trial_runs:
        measured = run.data.metrics
        assert measured["train_pflop"] == pytest.approx(measured["flops"] * 3 * samples / 1e15)
    total = sum(r.data.metrics["train_pflop"] for r in trial_runs)
    assert parents[0].data.metrics["search.compute_pflop"] == pytest.approx(total)


def worker_process(chief: subprocess.Popen, worker_id: str) -> psutil.Process:
    for child in psutil.Process(chief.pid).children(recursive=True):
        if f"{worker_id}" in child.cmdline() and "worker" in child.cmdline():
            return child
    raise AssertionError(f"no process for {worker_id}")


def test_a_worker_killed_mid_trial_costs_one_killed_run_and_the_search_completes(
    write_experiment, tfds_dir, tmp_path
) -> None:
    trials, epochs = 3, 3
    path = experiment(write_experiment, trials=trials, epochs=epochs)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    log = tmp_path / "run.log"
    search = search_command(
        "run", str(path), "--workers", "2", "--tracking-uri", uri, "--data-dir", str(tfds_dir),
        "--quiet", log=log,
    )  # fmt: skip
    deadline, victim = time.monotonic() + 300, None
    while victim is None:
        assert search.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "no trial started"
        running = [r for r in search_runs(uri)[1] if r.info.status == "RUNNING"]
        if running:
            victim = running[0]
        else:
            time.sleep(0.1)
    worker_id = victim.data.tags["search.worker"]
    worker_process(search, worker_id).send_signal(signal.SIGKILL)
    wait(search, log)

    parents, trial_runs = search_runs(uri)
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    by_status = Counter((r.data.tags["search.trial_id"], r.info.status) for r in trial_runs)
    killed = victim.data.tags["search.trial_id"]
    assert by_status[(killed, "KILLED")] == 1, by_status
    assert {t: by_status[(t, "FINISHED")] for t in map(str, range(trials))} == {
        t: 1 for t in map(str, range(trials))
    }, by_status
    assert sum(by_status.values()) == trials + 1, "nothing but the killed attempt twice"
