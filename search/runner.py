"""Runs one search: validate everything, tune, track, then export and register the best model.

Everything that can be wrong with the user's input is checked before the first byte is
written (output directory, MLflow store, keras-tuner project).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from search.distributed.chief import Parallel
from search.experiment import Experiment
from search.tuning.budget_clock import clock_for
from search.tuning.events import TrialListener

log = logging.getLogger(__name__)


@dataclass
class SearchResult:
    """What a finished search produced, for printing and for later commands."""

    experiment: str
    objective: str
    best_score: float | None
    best_hyperparameters: dict[str, Any]
    test_metrics: dict[str, float]
    parent_run_id: str
    tracking_uri: str
    model_uri: str
    registered_model: str
    model_version: str
    best_config_path: str
    trials: dict[str, int] = field(default_factory=dict)
    resumed: bool = False
    search_dir: str = ""
    pending_records: int = 0  # tracking records MLflow did not take yet (`search sync`)
    refit: str = ""  # what the refit on train+validation did, when the model is its
    champion: str = ""  # why a rule other than `best` chose the registered model's trial


def run_search(
    experiment: Experiment,
    tracking_uri: str | None = None,
    fresh: bool = False,
    listeners: Sequence[TrialListener] = (),
    warm_start: Any = None,
    parallel: Parallel | None = None,
    started: float | None = None,
) -> SearchResult:
    """Validates, searches, evaluates the best model on the test split, and records it all.

    `warm_start` (a `search.tuning.warm_start.WarmStart`) is the first trial of a new search;
    `parallel` runs the trials in worker processes (keras-tuner's chief/worker engine), by
    default `tuner.workers`; the time budget counts from `started` (default: now)."""
    started = started or time.time()
    # 1. Validate every input; nothing is written before this block ends.
    from search.tuning.inferred_task import settled
    from search.tuning.prepare import with_space_digest

    experiment = with_space_digest(experiment)  # an entry point's module digested too
    experiment = settled(experiment)  # an unset task read off the label
    uri, data, hypermodel = check_inputs(experiment, tracking_uri, warm_start)

    parallel = parallel or Parallel.of(experiment)

    # 2. Open (or reopen) the search in MLflow and on disk.
    server = _tracking_server(uri) if parallel is not None else None
    try:
        return _open_and_search(
            experiment,
            uri,
            server.uri if server else uri,
            data,
            hypermodel,
            fresh,
            listeners,
            warm_start,
            parallel,
            started,
        )
    finally:
        if server is not None:
            server.stop()


def check_inputs(
    experiment: Experiment, tracking_uri: str | None = None, warm_start: Any = None
) -> tuple[str, Any, Any]:
    """Every check on the user's input that runs before training, writing nothing: names,
    tracking URI, output directory, the dataset (each file of a folder read), the space with
    its overrides, the warm start. Returns the tracking URI, the data and the hypermodel."""
    from search import workspace
    from search.tracking import store
    from search.tuning.determinism import seed_everything
    from search.tuning.hypermodel import check_overrides
    from search.tuning.prepare import prepare
    from search.tuning.tuners import check_tuner
    from spaces import resolve_space

    resolve_space(experiment.space)
    check_tuner(experiment.tuner)
    uri = store.search_tracking_uri(experiment, tracking_uri)
    workspace.check_writable(experiment)
    seed_everything(experiment.tuner.seed, experiment.training.deterministic)
    data, hypermodel = prepare(experiment)
    check_overrides(hypermodel)
    if warm_start is not None:
        from search.tuning.warm_start import check_warm_start

        check_warm_start(hypermodel, warm_start.values)
    return uri, data, hypermodel


def _tracking_server(uri: str) -> Any:
    """Parallel workers share one `mlflow server` in front of a local SQLite store."""
    if not uri.startswith("sqlite:///"):
        return None
    from pathlib import Path

    from search.tracking import store
    from search.tracking.server import TrackingServer

    store.connect(uri)  # creates or migrates the schema, under the lock, before the server
    return TrackingServer(Path(uri.removeprefix("sqlite:///"))).start()


def _open_and_search(
    experiment: Experiment,
    uri: str,
    serving_uri: str,
    data: Any,
    hypermodel: Any,
    fresh: bool,
    listeners: Sequence[TrialListener],
    warm_start: Any,
    parallel: Parallel | None,
    started: float,
) -> SearchResult:
    from search.opening import open_search, search_tags

    workers = parallel.workers if parallel else None
    tags = search_tags(experiment, hypermodel.space, workers, warm_start)
    opened = open_search(experiment, uri, serving_uri, data, fresh, tags, started)
    journal = opened.journal
    try:
        result = _search_and_record(
            experiment,
            data,
            hypermodel,
            opened.search_dir,
            journal,
            listeners,
            warm_start,
            parallel,
            opened.deadline,
        )
    except KeyboardInterrupt:
        journal.finish("KILLED")
        raise
    except BaseException:
        journal.finish("FAILED")
        raise
    finally:
        opened.search_dir.release()
    result.resumed = opened.resumed
    result.tracking_uri = uri  # the store itself, not the server in front of it
    return result


def _search_and_record(
    experiment: Experiment,
    data: Any,
    hypermodel: Any,
    search_dir: Any,
    outbox: Any,
    listeners: Sequence[TrialListener],
    warm_start: Any = None,
    parallel: Parallel | None = None,
    deadline: float | None = None,
) -> SearchResult:
    """Runs the trials (ending by `deadline`), evaluates the best on test, records it all."""
    from search.finishing import log_report, record_best
    from search.opening import record_ended_trials
    from search.refit import final_model
    from search.report import TrialRecorder
    from search.tuning.best_model import evaluate
    from search.tuning.champion import choose_champion
    from search.tuning.tuners import build_tuner

    recorder = TrialRecorder()  # every epoch, for the report (in MLflow: workers record theirs)
    tuner = build_tuner(
        experiment.tuner,
        experiment.training,
        hypermodel,
        search_dir.tuner_dir,
        listeners=[recorder, *listeners] if parallel else [outbox, recorder, *listeners],
        resume=search_dir.has_tuner_project,
        warm_start=warm_start,
        deadline=deadline,
        clock=clock_for(experiment, data.spec.split_sizes),
    )
    record_ended_trials(tuner, outbox)
    trials, counts = _run_trials(tuner, experiment, data, search_dir, outbox, recorder, parallel)
    champion = choose_champion(tuner, experiment.tuner, recorder.records(trials))
    best = champion.trial  # under tuner.constraints, by the rule of tuner.champion
    model, refit = final_model(tuner, best, experiment, data, recorder.records())
    model, metrics, sample = evaluate(model, experiment, data)  # on the test split
    logged = record_best(experiment, search_dir, outbox, champion, model, metrics, sample, refit)
    model_uri, version = logged or ("", "")
    tracker = outbox.tracker if logged else None
    log_report(experiment, recorder.records(trials), search_dir, tracker, model, version, champion)
    return SearchResult(
        experiment=experiment.name,
        objective=experiment.tuner.objective.name,
        best_score=best.score,
        best_hyperparameters=dict(best.hyperparameters.values),
        test_metrics=metrics,
        refit=refit.describe() if refit else "",
        champion="" if experiment.tuner.champion.rule == "best" else champion.note,
        parent_run_id=outbox.tracker.parent_run_id,
        tracking_uri=outbox.tracker.uri,
        model_uri=model_uri,
        registered_model=experiment.registered_model,
        model_version=version,
        best_config_path=str(search_dir.best_config),
        trials=counts,
        search_dir=str(search_dir.path),
        pending_records=len(outbox.pending),
    )


def _run_trials(
    tuner: Any,
    experiment: Experiment,
    data: Any,
    search_dir: Any,
    outbox: Any,
    recorder: Any,
    parallel: Parallel | None,
) -> tuple[list[Any], dict[str, int]]:
    """Every trial of the search, in this process or in workers; returns when all ended, with
    every trial and the count of each status (raises when none completed)."""
    from search.speed.compute import trials_pflop
    from search.tuning.penalty import ended_trials
    from search.tuning.training import fit_arguments

    started = time.monotonic()
    try:
        if parallel is None:
            tuner.search(**fit_arguments(experiment, data))
        else:
            from search.distributed.chief import run_chief

            run_chief(tuner, parallel, outbox.tracker, search_dir.path)
            _epoch_histories(outbox.tracker, recorder)
    except RuntimeError as error:
        raise _stopped_by_failures(error, experiment) from error
    log.info("search took %.1fs", time.monotonic() - started)
    pflop = trials_pflop(tuner.oracle.trials.values())  # every process's, every run's
    if pflop is not None:
        outbox.log_compute(pflop)
    return ended_trials(tuner)


def _epoch_histories(tracker: Any, recorder: Any) -> None:
    """Workers logged every epoch to MLflow; the chief's report reads them back from there."""
    from search.tracking import reader, schema

    try:
        for run in tracker.trial_runs():
            if run.info.status != "FINISHED":
                continue
            trial_id = run.data.tags.get(schema.TRIAL_ID_TAG)
            for name in set(run.data.metrics) - schema.SUMMARY_METRICS:
                for step, value in reader.metric_history(tracker.client, run.info.run_id, name):
                    recorder.epoch_ended(trial_id, step, {name: value})
    except Exception:
        log.exception("could not read the workers' epochs back for the report")


def _stopped_by_failures(error: RuntimeError, experiment: Experiment) -> BaseException:
    """keras-tuner's "consecutive failures" RuntimeError as one clear line; others unchanged."""
    from search.errors import SearchError
    from search.outcome import failure_reason

    text = str(error)
    if not text.startswith("Number of consecutive failures"):
        return error
    limit = experiment.tuner.max_consecutive_failed_trials
    return SearchError(
        f"search stopped: {limit} trials failed in a row "
        f"(tuner.max_consecutive_failed_trials={limit}); last failure: {failure_reason(text)}. "
        "Each failed trial's reason and traceback are on its run in MLflow"
    )
