"""The `mlflow server` command that shows this project's tracking store in a browser."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess

from search.errors import ConfigError


def server_command(uri: str, host: str, port: int) -> list[str]:
    """`mlflow server` on the store `uri` (new experiments' artifacts beside a SQLite file)."""
    if uri.startswith(("http://", "https://")):
        raise ConfigError(f"the tracking store {uri} is already a server: open it in a browser")
    from search.tracking import server, store

    database = store.sqlite_path(uri)
    if database is not None and not database.is_file():
        raise ConfigError(f"no MLflow store at {uri}: run a search first, or pass --tracking-uri")
    artifacts = database.parent / "mlruns" if database is not None else None
    return server.server_command(uri, host, port, artifacts)


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


def serve(command: list[str]) -> int:
    """Runs the server until it exits or this process is interrupted (Ctrl-C, SIGTERM).

    The server gets its own process group, so a Ctrl-C reaches only this process, which then
    stops the whole group with SIGTERM: mlflow's workers (uvicorn, job consumers) shut down
    quietly instead of each printing a KeyboardInterrupt traceback.
    """
    # The server's job runners (seven processes) serve GenAI features this project does not use.
    env = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", **os.environ}
    server = subprocess.Popen(command, start_new_session=True, env=env)
    # SIGINT too: a process started in the background of a non-interactive shell inherits
    # SIGINT ignored, and Python then installs no Ctrl-C handler of its own.
    previous = {s: signal.signal(s, _interrupt) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        return server.wait()
    except KeyboardInterrupt:
        _stop_group(server)
        return 0
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_group(server: subprocess.Popen[bytes], grace_seconds: float = 30) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    except ProcessLookupError:
        pass
    with contextlib.suppress(ProcessLookupError):  # workers the server left behind
        os.killpg(server.pid, signal.SIGKILL)
