"""The `mlflow server` command that shows this project's tracking store in a browser."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from search.errors import ConfigError


def server_command(uri: str, host: str, port: int) -> list[str]:
    """`mlflow server` on the store `uri` (new experiments' artifacts beside a SQLite file)."""
    if uri.startswith(("http://", "https://")):
        raise ConfigError(f"the tracking store {uri} is already a server: open it in a browser")
    command = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", uri]
    if uri.startswith("sqlite:///"):
        database = Path(uri.removeprefix("sqlite:///"))
        if not database.is_file():
            raise ConfigError(
                f"no MLflow store at {uri}: run a search first, or pass --tracking-uri"
            )
        command += ["--artifacts-destination", str(database.parent / "mlruns")]
    return command + ["--host", host, "--port", str(port), "--workers", "1"]


def check_port_free(host: str, port: int) -> None:
    """A port in use would make the server fail after start-up, with a long traceback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ConfigError(
                f"cannot listen on {host}:{port} ({error.strerror}); pass another --port"
            ) from None


def url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{shown}:{port}"
