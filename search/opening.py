"""Opens a search on disk and in MLflow: a new one, or the unfinished one it resumes.

Resuming first writes what the interrupted attempt journaled but never sent (the workers'
journals too), then reopens the parent run; trials the reloaded keras-tuner project says
ended but MLflow never heard of are recorded once (`record_ended_trials`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from search.errors import ConfigError, TrackingError
from search.experiment import Experiment
from search.space_source import check_recorded, source_file
from search.tracking import schema, store
from search.tracking.journal import JOURNALS, Journal
from search.tracking.writer import SearchTracker
from search.workspace import SearchDir, new_search_dir, unfinished

log = logging.getLogger(__name__)


@dataclass
class OpenedSearch:
    search_dir: SearchDir
    journal: Journal  # every tracking record of the search goes through it
    resumed: bool
    deadline: float | None = None  # when its trials must end (`search.budget`)


def open_search(
    experiment: Experiment,
    uri: str,
    serving_uri: str,
    data: Any,
    fresh: bool,
    tags: dict[str, str],
    started: float | None = None,
) -> OpenedSearch:
    """The search directory claimed by this process and its journal; `serving_uri` is where
    MLflow answers (a local server in front of `uri` for parallel searches). A new parent
    run starts at `started` (the command's start, `time.time()`), else now; the budget too."""
    from search.budget import describe_budget, trials_deadline

    refit = experiment.tuner.refit
    share = refit.share if refit.enabled else 0.0
    deadline = trials_deadline(started or time.time(), experiment.tuner.max_seconds, share)
    if experiment.tuner.max_seconds:
        log.info("budget: %s", describe_budget(experiment.tuner.max_seconds, share))
    client = store.connect(serving_uri)
    log.info("%s", data.describe())  # after the last check, so a bad input stays one line
    previous = None if fresh else unfinished(experiment)
    if previous is not None and previous.state.get("parent_run_id"):
        recorded = client.get_run(previous.state["parent_run_id"]).data.tags
        check_recorded(
            recorded.get(schema.SPACE_ORIGIN_TAG),
            experiment.space.digest,
            recorded.get(schema.SPACE_DIGEST_TAG),
            "restore it to resume, or give --fresh to start a new search",
        )
        check_same_builder(recorded, data.spec)
        previous.claim()
        journal = _resume(previous, client, serving_uri, uri)
        return OpenedSearch(previous, journal, True, deadline)
    search_dir = new_search_dir(experiment)
    search_dir.claim()
    tracker = SearchTracker.start(
        client,
        serving_uri,
        store.experiment_id(client, experiment.mlflow_experiment, uri),
        run_name=f"{experiment.name}-{search_dir.state['stamp']}",
        config=experiment.model_dump(mode="json"),
        data_identity=data.spec.identity(),
        tags={
            **tags,
            **builder_tags(experiment, data.spec),
            schema.DIR_TAG: str(search_dir.path.resolve()),
        },
        sources=space_sources(experiment),
        started=started,
    )
    search_dir.save(parent_run_id=tracker.parent_run_id, tracking_uri=uri)
    return OpenedSearch(search_dir, Journal(tracker, search_dir.path), False, deadline)


def builder_tags(experiment: Experiment, spec: Any) -> dict[str, str]:
    """The user's own TFDS builder a search ran on: folder, name, version, source digest."""
    if experiment.dataset.builder is None or spec.builder_digest is None:
        return {}
    return {
        schema.DATA_BUILDER_TAG: experiment.dataset.builder,
        schema.DATA_NAME_TAG: spec.name,
        schema.DATA_VERSION_TAG: spec.version,
        schema.DATA_DIGEST_TAG: spec.builder_digest,
    }


def check_same_builder(recorded: dict[str, str], spec: Any) -> None:
    """A search resumed with a changed builder would mix two datasets in one ranking."""
    digest = recorded.get(schema.DATA_DIGEST_TAG)
    if digest is None or digest == spec.builder_digest:
        return
    raise ConfigError(
        f"dataset {spec.name} {spec.version} (builder sha256 {(spec.builder_digest or '')[:12]}) "
        f"is not the one this search ran on ({recorded.get(schema.DATA_NAME_TAG)} "
        f"{recorded.get(schema.DATA_VERSION_TAG)}, sha256 {digest[:12]}): use that builder, "
        "or start a new search (--fresh)"
    )


def _resume(search_dir: SearchDir, client: Any, serving_uri: str, uri: str) -> Journal:
    tracker = SearchTracker.attach(client, serving_uri, search_dir.state["parent_run_id"])
    for journal in sorted(search_dir.path.glob(JOURNALS)):  # parallel workers' too
        if not Journal(tracker, search_dir.path, journal.name).flush():
            raise TrackingError(f"cannot write the pending records of {search_dir.path} to {uri}")
    tracker.resume()
    log.info("resuming the unfinished search in %s", search_dir.path)
    return Journal(tracker, search_dir.path)


def search_tags(
    experiment: Experiment, space: Any, workers: int | None, warm_start: Any
) -> dict[str, str]:
    """The parent run's tags that say what was searched, how, and from where."""
    return {
        schema.EXPERIMENT_TAG: experiment.name,
        schema.SPACE_TAG: space.name,
        **({schema.WORKERS_TAG: str(workers)} if workers is not None else {}),
        schema.TUNER_TAG: experiment.tuner.kind,
        **({schema.WARM_START_TAG: warm_start.source} if warm_start else {}),
        **space_origin_tags(experiment, space.origin),
    }


def space_origin_tags(experiment: Experiment, origin: str) -> dict[str, str]:
    """Where a space not built in came from (the user's module or function, an entry point)
    and the digest of the user's module."""
    space = experiment.space
    ref = space.function or space.module or origin
    if space.digest is not None:
        return {schema.SPACE_ORIGIN_TAG: ref, schema.SPACE_DIGEST_TAG: space.digest}
    return {} if origin == "built-in" else {schema.SPACE_ORIGIN_TAG: origin}


def space_sources(experiment: Experiment) -> dict[str, str]:
    """The user's space module as an artifact (`space_source/NAME.py`): name -> source."""
    from spaces import resolve_space

    ref = resolve_space(experiment.space).source  # an entry point's module too
    if ref is None:
        return {}
    path = source_file(ref)
    return {f"{schema.SPACE_SOURCE_DIR}/{path.name}": path.read_text()}


def record_ended_trials(tuner: Any, journal: Journal) -> None:
    """Trials the reloaded project says ended but MLflow does not: a kill landed between
    keras-tuner saving a trial's end and its record being journaled. Recorded now."""
    from search.tuning.events import outcome_of

    ended = {"COMPLETED", "FAILED"}
    trials = [t for t in tuner.oracle.trials.values() if str(t.status) in ended]
    if not trials:
        return
    in_mlflow = {
        run.data.tags.get(schema.TRIAL_ID_TAG)
        for run in journal.tracker.trial_runs()
        if run.info.status in ("FINISHED", "FAILED")
    }
    for trial in trials:
        if trial.trial_id not in in_mlflow:
            log.info("recording trial %s, which ended before the interruption", trial.trial_id)
            journal.trial_ended(outcome_of(trial, seconds=0.0))
