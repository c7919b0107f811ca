"""A real `mlflow server` on 127.0.0.1 in front of a local SQLite store, for parallel searches.

Several processes opening one fresh SQLite file at once crash on MLflow's schema migration,
and SQLite serializes their writes anyway; one server process owns the file and every
worker talks HTTP to it. Started and stopped by the command that needs it (its whole
process group), its log beside the database.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from search.errors import TrackingError
from search.processes import spawn, stop_groups

log = logging.getLogger(__name__)


def server_command(backend: str, host: str, port: int, artifacts: Path | None) -> list[str]:
    """`mlflow server` on the store `backend`, one worker; proxied artifacts in `artifacts`."""
    command = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", backend]
    if artifacts is not None:
        command += ["--artifacts-destination", str(artifacts)]
    return command + ["--host", host, "--port", str(port), "--workers", "1"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class TrackingServer:
    """`mlflow server` over `database`; `start()` returns once it answers /health."""

    def __init__(self, database: Path, port: int | None = None, log_file: Path | None = None):
        self.database = Path(database).resolve()
        self.port = port or free_port()
        self.log_file = log_file or self.database.with_name(f"{self.database.stem}-server.log")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, limit: float = 180) -> TrackingServer:
        # Experiments this project creates keep their artifacts beside the database (see
        # store.experiment_id); others get this proxied folder.
        command = server_command(
            f"sqlite:///{self.database}",
            "127.0.0.1",
            self.port,
            self.database.parent / "mlartifacts",
        )
        # Never outlives the search that started it.
        self.process = spawn(command, self.log_file, cwd=self.database.parent)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise TrackingError(
                    f"mlflow server for {self.database} exited at start; see {self.log_file}"
                )
            try:
                with urllib.request.urlopen(f"{self.uri}/health", timeout=2) as answer:
                    if answer.status == 200:
                        log.info("mlflow server for %s on %s", self.database, self.uri)
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise TrackingError(f"mlflow server on {self.uri} did not answer in {limit:.0f}s")

    def stop(self) -> None:
        if self.process is not None:
            stop_groups([self.process], grace=30)

    def __enter__(self) -> TrackingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
