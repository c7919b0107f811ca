"""Child processes a search owns (its `mlflow server`, its local workers): each started in
its own process group with its output in a log file, never outliving the process that
started it, and stopped as a whole group."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def _prctl() -> Any:
    """libc's prctl, bound once here: a `preexec_fn` must not load libraries or import."""
    import ctypes

    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except OSError:
        return None


_PRCTL = _prctl()
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Run in a child before it starts (`preexec_fn`): the kernel sends it SIGTERM when the
    thread that started it dies, even by SIGKILL, so no worker or server outlives its chief
    (Linux; elsewhere a no-op). Start children from the main thread."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(
    command: Sequence[str],
    log_file: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Starts `command` with stdout and stderr appended to `log_file`, in a new session (a
    terminal's Ctrl-C reaches only the parent, which stops its children itself)."""
    with open(log_file, "ab") as out:
        return subprocess.Popen(
            list(command),
            stdout=out,
            stderr=out,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )


def stop_groups(processes: Sequence[subprocess.Popen[bytes]], grace: float) -> None:
    """SIGTERM to the process group of each one still running, SIGKILL after `grace` s."""
    running = [p for p in processes if p.poll() is None]
    for process in running:
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
