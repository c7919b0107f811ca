"""A trial's run in MLflow gets every hyperparameter, including those the trial declared
only while it ran (conditional ones), whether this process opened the run or replays it."""

from __future__ import annotations

import json

from search.outcome import TrialOutcome
from search.tracking import store
from search.tracking.writer import SearchTracker


def _tracker(tmp_path) -> SearchTracker:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = store.connect(uri)
    experiment = store.experiment_id(client, "trials", uri)
    return SearchTracker.start(client, uri, experiment, "s", {"a": 1}, {}, {})


def _ended(hyperparameters: dict) -> TrialOutcome:
    return TrialOutcome("0", "COMPLETED", 0.9, hyperparameters, 1.0, best_step=0)


def test_late_hyperparameters_are_logged_when_the_trial_ends(tmp_path) -> None:
    tracker = _tracker(tmp_path)
    tracker.trial_started("0", {"conv_blocks": 2}, attempt="a0")
    tracker.trial_ended(_ended({"conv_blocks": 2, "conv_2/filters": 64}), attempt="a0")

    # The same end replayed by another process (the outbox after a crash) changes nothing.
    again = SearchTracker.attach(tracker.client, tracker.uri, tracker.parent_run_id)
    again.trial_ended(_ended({"conv_blocks": 2, "conv_2/filters": 64}), attempt="a0")

    (run,) = tracker.trial_runs()
    assert run.data.params == {"conv_blocks": "2", "conv_2/filters": "64"}
    assert run.info.status == "FINISHED"


def test_a_trials_costs_and_constraint_notes_are_journaled_then_on_its_run(tmp_path) -> None:
    from search.outcome import REFUSED_MARK
    from search.tracking.journal import Journal, pending_records
    from search.tracking.operations import send

    tracker = _tracker(tmp_path)
    journal = Journal(tracker, tmp_path)
    journal.trial_started("0", {"units": 64})
    journal.trial_measured("0", {"params": 450.0, "flops": 896.0}, {"refused": "max_params: x"})
    refused = TrialOutcome("0", "COMPLETED", 0.5, {"units": 64}, 0.2, 0, None, {REFUSED_MARK: 1})
    journal.trial_ended(refused)
    measured = [r for r in pending_records(journal.path) if r["op"] == "trial_measured"]
    assert measured == []  # sent; replaying the record again changes nothing
    lines = [json.loads(x) for x in journal.path.read_text().splitlines()]
    send(tracker, next(r for r in lines if r.get("op") == "trial_measured"))

    (run,) = tracker.trial_runs()
    assert run.data.metrics == {"params": 450.0, "flops": 896.0, "trial_seconds": 0.2}
    assert run.data.tags["search.refused"] == "max_params: x"  # a penalty is not a score
    assert run.info.status == "FINISHED"


def test_a_trial_spared_by_early_stopping_says_so_on_its_run(tmp_path) -> None:
    from search.tracking.journal import Journal

    tracker = _tracker(tmp_path)
    journal = Journal(tracker, tmp_path)
    journal.trial_started("0", {"units": 8})
    spared = "epoch 1: on the front by params"
    journal.trial_ended(
        TrialOutcome("0", "COMPLETED", 0.5, {"units": 8}, 1.0, best_step=2, spared=spared)
    )
    (run,) = tracker.trial_runs()
    assert run.data.tags["search.spared"] == spared
    assert "search.stopped" not in run.data.tags
    assert f"spared by early stopping ({spared})" in run.data.tags["mlflow.note.content"]


def test_the_champion_rule_is_journaled_then_tags_the_search_run(tmp_path) -> None:
    from search.tracking.journal import Journal

    tracker = _tracker(tmp_path)
    rule = "tuner.champion rule cheapest_within 0.005 by latency_ms: trial 03, latency_ms 0.4"
    Journal(tracker, tmp_path).log_best(
        0.98, {"units": 64}, {}, "name: exp\n", None, {"rule": rule, "trial_id": "03"}
    )
    tags = tracker.client.get_run(tracker.parent_run_id).data.tags
    assert tags["search.champion_rule"] == rule and tags["search.champion_trial"] == "03"
