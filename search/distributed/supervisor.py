"""Local workers of a parallel search: started, pinned, watched, restarted.

Each worker is `search worker` in its own process (its own TensorFlow runtime, its own share
of CPUs or one GPU). One that dies mid-trial has its trial put back in the oracle's retry
queue, so the next free worker runs it again, and is started again under the same id. One
that ran its share of trials (`trials_per_worker`) exits on purpose and is replaced by a
fresh process, which keeps memory flat over long searches.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from search.distributed.placement import Placement
from search.distributed.worker import RECYCLE_EXIT
from search.errors import SearchError
from search.processes import spawn, stop_groups
from search.workspace import SearchDir

if TYPE_CHECKING:  # imports keras-tuner's gRPC service
    from search.distributed.oracle_server import OracleServer

log = logging.getLogger(__name__)


@dataclass
class WorkerProcess:
    worker_id: str
    placement: Placement
    process: subprocess.Popen[bytes] | None = None
    deaths: int = 0
    log_file: Path | None = None
    retired: bool = False


@dataclass
class LocalWorkers:
    """Starts `search worker` processes against the chief at `chief` and keeps them going."""

    chief: str
    tracking_uri: str
    parent_run_id: str
    project_dir: Path
    placements: list[Placement]
    trials_per_worker: int | None = None
    max_deaths: int = 3  # per worker; past it the worker is retired
    workers: list[WorkerProcess] = field(default_factory=list)

    def start(self) -> None:
        logs = SearchDir.at(self.project_dir).workers_dir
        logs.mkdir(exist_ok=True)
        for number, placement in enumerate(self.placements, start=1):
            worker = WorkerProcess(f"worker-{number}", placement, log_file=logs / f"{number}.log")
            self.workers.append(worker)
            self._spawn(worker)

    def _spawn(self, worker: WorkerProcess) -> None:
        command = [
            sys.executable,
            "-m",
            "search",
            "worker",
            "--chief",
            self.chief,
            "--id",
            worker.worker_id,
            "--tracking-uri",
            self.tracking_uri,
            "--parent-run",
            self.parent_run_id,
            "--project-dir",
            str(self.project_dir),
        ]
        if self.trials_per_worker:
            command += ["--trials-per-process", str(self.trials_per_worker)]
        env = {**os.environ, **worker.placement.environment(), "PYTHONUNBUFFERED": "1"}
        assert worker.log_file is not None
        worker.process = spawn(command, worker.log_file, env=env)
        log.info("%s started (pid %s, %s)", worker.worker_id, worker.process.pid, worker.placement)

    def watch(
        self, oracle_server: OracleServer, on_death: Callable[[str, str | None], None]
    ) -> None:
        """One look at every worker: a dead one's trial re-queued and the worker restarted,
        a recycled one replaced, a finished one left alone. Raises when none is left."""
        for worker in self.workers:
            if worker.retired or worker.process is None:
                continue
            code = worker.process.poll()
            if code is None:
                continue
            if code == 0:  # told to stop by the chief
                worker.retired = True
                continue
            if code == RECYCLE_EXIT:
                if oracle_server.exhausted:
                    oracle_server.forget(worker.worker_id)
                    worker.retired = True
                else:
                    self._spawn(worker)
                continue
            trial_id = oracle_server.requeue(worker.worker_id)
            worker.deaths += 1
            log.warning(
                "%s exited with code %s%s; see %s",
                worker.worker_id,
                code,
                f" during trial {trial_id}, which goes to the next free worker" if trial_id else "",
                worker.log_file,
            )
            on_death(worker.worker_id, trial_id)
            if worker.deaths > self.max_deaths:
                log.error("%s died %d times: not restarted", worker.worker_id, worker.deaths)
                oracle_server.forget(worker.worker_id)
                worker.retired = True
            else:
                self._spawn(worker)
        if all(w.retired for w in self.workers) and not oracle_server.finished:
            last = self.workers[-1].log_file
            raise SearchError(
                f"every worker died repeatedly; the last one said: {last_error(last)} (log: {last})"
            )

    def pids(self) -> list[int]:
        return [w.process.pid for w in self.workers if w.process and w.process.poll() is None]

    def stop(self, grace: float = 10.0) -> None:
        """Ends every worker still running (their whole process groups)."""
        stop_groups([w.process for w in self.workers if w.process], grace)


def last_error(log_file: Path | None) -> str:
    """The last `error:` line a worker wrote (its one-line reason), else its last line."""
    if log_file is None or not log_file.is_file():
        return "nothing"
    lines = [line.strip() for line in log_file.read_text(errors="replace").splitlines()]
    lines = [line for line in lines if line]
    errors = [line.removeprefix("error: ") for line in lines if line.startswith("error:")]
    return (errors or lines or ["nothing"])[-1][:300]
