"""What a finished search leaves: its best config beside it, the best model and score in
tracking (through files and the journal, so an outage loses nothing), and the report."""

from __future__ import annotations

import logging
import shutil
from typing import Any

from search.data.samples import save_sample
from search.experiment import Experiment

log = logging.getLogger(__name__)


def record_best(
    experiment: Experiment,
    search_dir: Any,
    outbox: Any,
    champion: Any,
    model: Any,
    test_metrics: dict[str, float],
    sample: Any,
    refit: Any = None,
) -> tuple[str, str] | None:
    """The champion's config beside the search, its score and model into tracking (with the
    rule that chose it: a `search.tuning.champion.Champion`); the search marked finished;
    `refit` (a `search.refit.Refit`) when the model is the refit one. Returns the logged
    model's uri and version (None while records wait)."""
    from search.best_config import best_experiment
    from search.workspace import latest_best_config

    best_trial = champion.trial
    best_hps = dict(best_trial.hyperparameters.values)
    best_config = best_experiment(experiment, best_hps).to_yaml()
    search_dir.best_config.write_text(best_config)
    shutil.copyfile(search_dir.best_config, latest_best_config(experiment))
    note = refit.describe() if refit is not None else None
    chosen = {"rule": champion.note, "trial_id": champion.trial_id}
    outbox.log_best(best_trial.score, best_hps, test_metrics, best_config, note, chosen)
    if refit is not None and refit.total_pflop is not None:
        outbox.log_compute(refit.total_pflop)  # the trials' compute and the refit's
    # The model goes through files, so a tracking outage now still loses nothing.
    model.save(search_dir.best_model)
    save_sample(search_dir.best_sample, sample)
    outbox.log_model_file(
        str(search_dir.best_model), str(search_dir.best_sample), experiment.registered_model
    )
    outbox.finish("FINISHED")
    search_dir.save(status="finished")
    return None if outbox.pending else outbox.tracker.logged_model()


def log_report(
    experiment: Experiment,
    records: Any,
    search_dir: Any,
    tracker: Any | None,
    model: Any,
    version: str,
    champion: Any = None,
) -> None:
    """Charts and tables that explain the search, kept beside it and, when the tracking store
    took the model (`tracker` given), on the parent run; with several objectives, the front of
    the `champion`'s eligible trials too. A report that cannot be drawn is logged, never
    fatal: the search itself succeeded."""
    from search.report.writer import write_report

    objective = experiment.tuner.objective
    try:
        folder = write_report(
            records, search_dir.report_dir, objective.name, objective.direction == "max"
        )
        if champion is not None and experiment.tuner.several:
            _write_front(folder, experiment, champion, tracker)
        if tracker is not None:
            tracker.log_report(folder, model, experiment.registered_model, version)
    except Exception:
        log.exception("could not write the search report")


def _write_front(folder: Any, experiment: Experiment, champion: Any, tracker: Any) -> None:
    """`pareto_front.csv` and its chart: the eligible trials, the front and the champion."""
    from search.report.front import write_front
    from search.tuning.champion import front_rows

    objectives = experiment.tuner.all_objectives
    rows = front_rows(champion.eligible, objectives, champion.trial_id)
    run_ids = tracker.trial_run_ids() if tracker is not None else {}
    write_front(folder, rows, [(o.name, o.direction) for o in objectives], run_ids)
