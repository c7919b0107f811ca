"""`search worker`: trains the trials a chief hands out, on this host, until the search ends."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import click

from search.cli.common import SEARCH_INTERRUPTED, debug_option, setup_logging, user_errors


@click.command()
@click.argument("experiment", required=False)
@click.option("--chief", required=True, help="HOST:PORT of the chief's oracle.")
@click.option(
    "--id",
    "worker_id",
    envvar="SEARCH_WORKER_ID",
    help="This worker's id, stable across restarts: a worker restarted under its id gets its "
    "unfinished trial back [default: $SEARCH_WORKER_ID, else worker-HOSTNAME-PID].",
)
@click.option(
    "--tracking-uri",
    envvar="MLFLOW_TRACKING_URI",
    required=True,
    help="The MLflow tracking server the chief logs to [default: $MLFLOW_TRACKING_URI].",
)
@click.option(
    "--parent-run", help="The search's parent run id [default: found from the chief's port]."
)
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where trials keep checkpoints [default: the chief's search directory when this "
    "host shares it, else a local one].",
)
@click.option("--data-dir", help="Override dataset.data_dir (TFDS data directory) on this host.")
@click.option(
    "--cpus",
    help="Pin this worker to these CPUs, e.g. 0-3 or 0,2 (TensorFlow uses as many threads).",
)
@click.option(
    "--trials-per-process",
    type=click.IntRange(min=1),
    help="Exit (code 75) after this many trials, for a supervisor to start a fresh process.",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=300.0,
    help="Seconds to wait for the chief's search to appear in MLflow.",
)
@debug_option
def worker(
    experiment: str | None,
    chief: str,
    worker_id: str | None,
    tracking_uri: str,
    parent_run: str | None,
    project_dir: Path | None,
    data_dir: str | None,
    cpus: str | None,
    trials_per_process: int | None,
    wait: float,
    debug: bool,
) -> None:
    """Join the search whose chief serves at --chief; the experiment comes from the search's
    parent run in MLflow unless EXPERIMENT (the same one the chief runs) is given."""
    setup_logging(verbose=False)
    with user_errors(debug, SEARCH_INTERRUPTED):
        from search.distributed.placement import cpu_list, pin_cpus, pin_this_process

        if cpus:
            pin_cpus(cpu_list(cpus))
        else:
            pin_this_process()  # the share a local supervisor gave (before TensorFlow starts)
        from search.quiet import import_tensorflow_quietly

        import_tensorflow_quietly()
        from search.distributed.worker import WorkerSpec, run_worker

        spec = WorkerSpec(
            worker_id=worker_id or f"worker-{socket.gethostname()}-{os.getpid()}",
            chief=chief,
            tracking_uri=tracking_uri,
            parent_run_id=parent_run,
            project_dir=project_dir,
            max_trials=trials_per_process,
            wait_seconds=wait,
        )
        code = run_worker(spec, experiment, data_dir)
    sys.exit(code)
