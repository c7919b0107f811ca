"""A trial's run in MLflow gets every hyperparameter, including those the trial declared
only while it ran (conditional ones), whether this process opened the run or replays it."""

from __future__ import annotations

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
