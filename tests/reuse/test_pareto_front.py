"""`search best --pareto` reads the front from the trial runs a search wrote (real MLflow on
SQLite, written by the search's own tracker): the trials the champion could be, no others."""

from __future__ import annotations

import pytest

from search.errors import ConfigError
from search.outcome import BROKE_MARK, TrialOutcome
from search.reuse.pareto import pareto_front
from search.tracking import store
from search.tracking.writer import SearchTracker

OBJECTIVES = [{"name": "val_accuracy"}, {"name": "val_loss"}, {"name": "latency_ms"}]


@pytest.fixture(scope="module")
def tracking(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """One store for the module's searches (creating a SQLite store takes seconds here)."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('pareto-front') / 'mlflow.db'}"
    client = store.connect(uri)
    return client, uri, store.experiment_id(client, "exp", uri)


def _search(tracking: tuple, tuner: dict) -> SearchTracker:
    client, uri, experiment = tracking
    config = {"dataset": {"name": "digits"}, "tuner": tuner}
    return SearchTracker.start(client, uri, experiment, "s", config, {}, {})


def _trial(tracker, trial_id, epochs, latency, broke=False, stopped=None, values=None) -> None:
    """A trial that reported (val_accuracy, val_loss) per epoch; its best epoch is the most
    accurate."""
    values = values or {"units": 8}
    tracker.trial_started(trial_id, values, attempt=trial_id)
    for epoch, (accuracy, loss) in enumerate(epochs):
        tracker.epoch_ended(trial_id, epoch, {"val_accuracy": accuracy, "val_loss": loss})
    tracker.trial_measured(trial_id, {"latency_ms": latency}, {"broken": "x"} if broke else {})
    best = max(range(len(epochs)), key=lambda e: epochs[e][0])
    marks = {BROKE_MARK: 1.0} if broke else {}
    outcome = TrialOutcome(
        trial_id, "COMPLETED", epochs[best][0], values, 1.0, best, None, marks, stopped
    )
    tracker.trial_ended(outcome, attempt=trial_id)


def test_the_front_of_the_eligible_trial_runs_with_each_value_at_the_best_epoch(
    tracking,
) -> None:
    tracker = _search(tracking, {"objective": "val_accuracy", "objectives": OBJECTIVES})
    _trial(tracker, "00", [(0.8, 0.5), (0.9, 0.6)], latency=2.0)  # loss 0.6 at its best epoch
    _trial(tracker, "01", [(0.85, 0.3)], latency=1.0)
    _trial(tracker, "02", [(0.80, 0.7)], latency=1.5)  # dominated by 01
    _trial(tracker, "03", [(0.99, 0.1)], latency=0.1, broke=True)  # broke a constraint
    _trial(tracker, "04", [(0.95, 0.2)], latency=0.5, stopped="epoch 1 (asha rung 0)")
    client = tracker.client
    client.set_tag(tracker.parent_run_id, "search.champion_trial", "01")
    front = pareto_front(client, client.get_run(tracker.parent_run_id))
    assert front.eligible == 3
    assert [(m.trial_id, m.values, m.champion) for m in front.members] == [
        ("00", {"val_accuracy": 0.9, "val_loss": 0.6, "latency_ms": 2.0}, False),
        ("01", {"val_accuracy": 0.85, "val_loss": 0.3, "latency_ms": 1.0}, True),
    ]


def test_a_hyperband_first_round_trial_is_not_on_the_front_beside_later_rounds(tracking) -> None:
    tracker = _search(tracking, {"objective": "val_accuracy", "objectives": OBJECTIVES})
    first, later = {"units": 8, "tuner/epochs": 1}, {"units": 9, "tuner/epochs": 3}
    _trial(tracker, "10", [(0.99, 0.1)], latency=0.1, values=first)  # a lucky first epoch
    _trial(tracker, "11", [(0.5, 0.9), (0.8, 0.5), (0.85, 0.3)], latency=1.0, values=later)
    client = tracker.client
    front = pareto_front(client, client.get_run(tracker.parent_run_id))
    assert front.eligible == 1
    assert [m.trial_id for m in front.members] == ["11"]


def test_a_search_with_one_objective_has_no_front(tracking) -> None:
    tracker = _search(tracking, {"objective": {"name": "val_loss", "direction": "min"}})
    with pytest.raises(ConfigError, match=r"has one objective \(val_loss\): a Pareto front"):
        pareto_front(tracker.client, tracker.client.get_run(tracker.parent_run_id))
