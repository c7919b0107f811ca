"""A worker: keras-tuner's search loop against the chief's oracle, every trial into MLflow.

The chief hands out trials; this process trains them and logs each as a run under the
search's parent run (tagged with the worker id), through its own durable journal. A worker
restarted under the same id gets its unfinished trial back from keras-tuner's oracle, and
first marks its previous attempt's run KILLED.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.errors import ConfigError, DatasetError, TrackingError
from search.experiment import Experiment
from search.workspace import SearchDir, is_search_dir

log = logging.getLogger(__name__)

RECYCLE_EXIT = 75  # "ran its share of trials, start a fresh one" (EX_TEMPFAIL)


@dataclass
class WorkerSpec:
    """Where a worker finds its chief, its tracking server and its search."""

    worker_id: str
    chief: str  # host:port of the chief's oracle
    tracking_uri: str
    parent_run_id: str | None = None  # found from the chief's port when not given
    project_dir: Path | None = None  # the search directory (shared) or a local one
    max_trials: int | None = None  # trials before the process exits for a fresh one
    wait_seconds: float = 300.0  # for the chief's parent run to appear


def parse_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"chief address '{address}' is not HOST:PORT")
    return host, int(port)


def run_worker(
    spec: WorkerSpec, experiment_ref: str | None = None, data_dir: str | None = None
) -> int:
    """Trains trials until the chief says stop; returns RECYCLE_EXIT after `max_trials`.

    The experiment is the chief's own (its parent run's `experiment.yaml`) unless
    `experiment_ref` names one."""
    from search.experiment import load_experiment
    from search.tracking import reader, store
    from search.tracking.journal import Journal, worker_journal
    from search.tracking.schema import DEADLINE_TAG, WORKER_TAG
    from search.tracking.writer import SearchTracker
    from search.tuning.determinism import seed_everything
    from search.tuning.inferred_task import settled
    from search.tuning.prepare import prepare, with_space_digest
    from search.tuning.training import fit_arguments
    from search.tuning.tuners import build_tuner
    from spaces import resolve_space

    check_worker_id(spec.worker_id)
    host, port = parse_address(spec.chief)
    client = store.connect(spec.tracking_uri)
    parent = spec.parent_run_id or find_parent(client, port, spec.wait_seconds)
    experiment = (
        load_experiment(experiment_ref) if experiment_ref else experiment_of(client, parent)
    )
    experiment = with_space_digest(experiment.with_overrides(**{"dataset.data_dir": data_dir}))
    experiment = settled(experiment)  # an unset task read off the label, as the chief did
    recorded = reader.get_run(client, parent).data
    check_same_space(recorded.tags, experiment)
    resolve_space(experiment.space)  # a missing or changed module: refused before joining
    os.environ.update(KERASTUNER_TUNER_ID=spec.worker_id, KERASTUNER_ORACLE_IP=host)
    os.environ["KERASTUNER_ORACLE_PORT"] = str(port)
    seed_everything(experiment.tuner.seed, experiment.training.deterministic)
    data, hypermodel = prepare(experiment)
    check_same_data(recorded.params, data.spec.identity())
    tracker = SearchTracker.attach(client, spec.tracking_uri, parent)
    tracker.trial_tags = {WORKER_TAG: spec.worker_id}
    directory = spec.project_dir or project_dir_for(client, parent, experiment)
    directory.mkdir(parents=True, exist_ok=True)
    outbox = Journal(tracker, directory, worker_journal(spec.worker_id))
    outbox.flush()
    for trial_id in tracker.kill_dangling(worker=spec.worker_id):
        log.info("trial %s: this worker's earlier attempt marked KILLED", trial_id)

    tuner = build_tuner(
        experiment.tuner,
        experiment.training,
        hypermodel,
        SearchDir.at(directory).tuner_dir,
        listeners=[outbox],
        resume=True,  # never overwrite: the chief owns the project
        trials_per_process=spec.max_trials,
        deadline=_float_or_none(recorded.tags.get(DEADLINE_TAG)),
    )
    log.info("worker %s asking %s for trials", spec.worker_id, spec.chief)
    tuner.search(**fit_arguments(experiment, data))
    outbox.flush()
    return RECYCLE_EXIT if tuner.trial_oracle.exhausted else 0


def _float_or_none(text: str | None) -> float | None:
    return None if text is None else float(text)


def check_same_space(chief_tags: dict[str, str], experiment: Any) -> None:
    """A worker whose space module differs from the chief's would train another model."""
    from search.space_source import check_recorded
    from search.tracking.schema import SPACE_DIGEST_TAG, SPACE_ORIGIN_TAG

    recorded = chief_tags.get(SPACE_DIGEST_TAG)
    origin = chief_tags.get(SPACE_ORIGIN_TAG)
    check_recorded(origin, experiment.space.digest, recorded)


def check_same_data(chief: dict[str, str], here: dict[str, str]) -> None:
    """Trials of one search must train on one dataset: a host whose copy differs (another
    version, other split sizes, another vocabulary) would make their scores incomparable."""
    for key, value in here.items():
        if key in chief and chief[key] != value:
            raise DatasetError(
                f"this host's data differs from the chief's: {key} is {value} here, "
                f"{chief[key]} on the chief; give --data-dir with the same prepared dataset"
            )


def experiment_of(client: Any, parent_run_id: str) -> Experiment:
    """The experiment exactly as the chief resolved it (overrides included), from its run."""
    from search.experiment import validate_experiment
    from search.tracking import reader

    config = reader.experiment_config(client, parent_run_id)
    if not isinstance(config, dict):
        raise TrackingError(f"search run {parent_run_id} has no experiment config to train from")
    return validate_experiment(config, source=f"run {parent_run_id}")


def find_parent(client: Any, port: int, wait_seconds: float) -> str:
    """The running search whose chief serves on `port`: a worker may start before its chief."""
    from search.tracking import reader

    deadline = time.monotonic() + wait_seconds
    while True:
        found = reader.search_by_oracle_port(client, port)
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise TrackingError(
                f"no running search with its chief on port {port} in {client.tracking_uri} "
                f"after {wait_seconds:.0f}s; start `search chief` first, or give --parent-run"
            )
        time.sleep(2)


def project_dir_for(client: Any, parent_run_id: str, experiment: Experiment) -> Path:
    """The chief's search directory when this host shares it, else a local one per search."""
    from search.tracking import reader
    from search.tracking.schema import DIR_TAG

    shared = reader.get_run(client, parent_run_id).data.tags.get(DIR_TAG)
    if shared and is_search_dir(Path(shared)) and os.access(shared, os.W_OK):
        return Path(shared)
    local = Path(experiment.output_dir) / experiment.name / f"worker-{parent_run_id[:12]}"
    log.info("the search directory %s is not on this host; trials kept in %s", shared, local)
    return local


def check_worker_id(worker_id: str) -> None:
    if not worker_id or "chief" in worker_id or any(c in worker_id for c in "/\\ "):
        raise ConfigError(
            f"worker id '{worker_id}' must be a simple name without 'chief' (keras-tuner's "
            "reserved word), slashes or spaces"
        )
