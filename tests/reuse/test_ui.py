"""`search ui`: a real `mlflow server` on the project's store, reachable at the printed URL."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from search.cli import main


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def store(tmp_path):
    """A SQLite store with one experiment, as a search leaves it."""
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    MlflowClient(tracking_uri=uri).create_experiment("ui-check")
    return uri


def _get(url: str, deadline: float) -> bytes:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return bytes(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.slow
def test_ui_serves_the_store_at_the_printed_url_until_interrupted(store, tmp_path) -> None:
    port = _free_port()
    ui = subprocess.Popen(
        [sys.executable, "-m", "search", "ui", "--tracking-uri", store, "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    try:
        first = ui.stdout.readline() if ui.stdout else ""
        url = f"http://127.0.0.1:{port}"
        assert first.startswith(f"MLflow UI: {url} "), first
        deadline = time.monotonic() + 120
        assert b"<html" in _get(url, deadline).lower()
        found = json.loads(
            _get(f"{url}/ajax-api/2.0/mlflow/experiments/search?max_results=10", deadline)
        )
        assert "ui-check" in {e["name"] for e in found["experiments"]}
        os.killpg(ui.pid, signal.SIGINT)  # Ctrl-C
        assert ui.wait(timeout=60) == 0
    finally:
        if ui.poll() is None:
            os.killpg(ui.pid, signal.SIGKILL)
            ui.wait()


def test_ui_refuses_a_busy_port_a_server_uri_and_a_missing_store(runner, store, tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = runner.invoke(main, ["ui", "--tracking-uri", store, "--port", port])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port} (")
    assert result.stdout == ""

    result = runner.invoke(main, ["ui", "--tracking-uri", "http://127.0.0.1:5000"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: the tracking store http://127.0.0.1:5000 is already a server: "
        "open it in a browser\n"
    )
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    result = runner.invoke(main, ["ui", "--tracking-uri", missing])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: no MLflow store at {missing}: run a search first, or pass --tracking-uri\n"
    )
    assert not (tmp_path / "none.db").exists()
