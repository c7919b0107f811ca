"""The chief of a parallel search: serves the oracle, starts and watches local workers, and
returns when every trial has ended. What comes after (best model, registration, report) is
the same as for a search in one process."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

POLL = 0.5  # seconds between looks at the oracle and the workers
DRAIN = 120.0  # seconds local workers get to send their last records after the last trial


@dataclass(frozen=True)
class Parallel:
    """How a search runs its trials in parallel."""

    workers: int = 0  # local worker processes to start (0: only remote ones will come)
    host: str = "127.0.0.1"  # where the oracle listens; 0.0.0.0 for other hosts
    port: int | None = None  # None: a free one
    advertise: str | None = None  # the host workers use to reach the chief (default: host)
    trials_per_worker: int | None = None  # a worker process is replaced after this many

    @classmethod
    def of(
        cls, experiment: Any, listen: tuple[str, int | None, str | None] | None = None
    ) -> Parallel | None:
        """How `experiment` runs in parallel (`tuner.workers`); `listen` (host, port,
        advertised host) makes it a chief remote workers join. None: in this process."""
        if listen is None and not experiment.tuner.workers:
            return None
        host, port, advertise = listen or ("127.0.0.1", None, None)
        return cls(
            workers=experiment.tuner.workers,
            host=host,
            port=port,
            advertise=advertise,
            trials_per_worker=experiment.tuner.trials_per_worker,
        )

    def address(self, port: int) -> str:
        host = self.advertise or ("127.0.0.1" if self.host == "0.0.0.0" else self.host)
        return f"{host}:{port}"


def run_chief(
    tuner: Any,
    parallel: Parallel,
    tracker: Any,
    project_dir: Any,
) -> None:
    """Blocks until the oracle has handed out its last trial and every trial has ended.
    Workers log to the tracker's store (`tracker.uri`: a server, for several processes);
    the chief's listeners hear trials through the tuner's wrapped oracle (`trial_oracle`)."""
    from search.distributed.oracle_server import OracleServer
    from search.distributed.placement import placements
    from search.distributed.supervisor import LocalWorkers
    from search.tracking.server import free_port

    worker_tracking_uri = tracker.uri
    port = parallel.port or free_port(parallel.host)
    tuner.oracle.verbose = 0  # keras-tuner's own trial printing: our progress shows trials
    server = OracleServer(tuner.trial_oracle, parallel.host, port).start()
    tuner.save()  # the project on disk before a worker reads it, as keras-tuner's chief does
    tracker.set_oracle_port(port, tuner.trial_oracle.deadline)
    workers = None
    if parallel.workers:
        workers = LocalWorkers(
            chief=parallel.address(port),
            tracking_uri=worker_tracking_uri,
            parent_run_id=tracker.parent_run_id,
            project_dir=project_dir,
            placements=placements(parallel.workers, gpus=_gpu_count()),
            trials_per_worker=parallel.trials_per_worker,
        )
        workers.start()
    if parallel.host not in ("127.0.0.1", "localhost") and "//127.0.0.1:" in worker_tracking_uri:
        log.warning(
            "workers on other hosts cannot reach the tracking server %s (this host only); "
            "give --tracking-uri of an MLflow server they can reach",
            worker_tracking_uri,
        )
    log.info(
        "workers join with: search worker --chief %s --tracking-uri %s",
        parallel.address(port) if parallel.advertise else f"THIS_HOST:{port}",
        worker_tracking_uri,
    )

    def on_death(worker_id: str, trial_id: str | None) -> None:
        try:
            tracker.kill_dangling(worker=worker_id)
        except Exception as error:  # the restarted worker marks it KILLED too
            log.warning("could not mark %s's trial run KILLED now: %s", worker_id, error)

    try:
        while not server.finished:
            if workers is not None:
                workers.watch(server, on_death)
            time.sleep(POLL)
        if workers is not None:
            _drain(workers)
    finally:
        if workers is not None:
            workers.stop()
        server.stop()


def _drain(workers: Any) -> None:
    """Local workers exit once told to stop, after their last record reached MLflow."""
    deadline = time.monotonic() + DRAIN
    while workers.pids() and time.monotonic() < deadline:
        time.sleep(POLL)


def _gpu_count() -> int:
    import tensorflow as tf

    return len(tf.config.list_physical_devices("GPU"))
