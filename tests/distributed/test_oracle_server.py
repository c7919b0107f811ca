"""The chief's oracle service on a real keras-tuner oracle (no workers needed): a dead
worker's trial goes to the next worker, the time budget stops new trials, events relay."""

from __future__ import annotations

import time
from pathlib import Path

import keras_tuner as kt
import pytest

from search.distributed.oracle_server import OracleServer
from search.tracking.server import free_port
from search.tuning import keras_tuner_internals as internals
from search.tuning.oracle import TrialOracle


class Events:
    def __init__(self) -> None:
        self.started: list[str] = []
        self.ended: list[tuple[str, str]] = []

    def trial_started(self, trial_id, hyperparameters) -> None:
        self.started.append(trial_id)

    def trial_ended(self, outcome) -> None:
        self.ended.append((outcome.trial_id, outcome.status))


def oracle(tmp_path: Path, max_trials: int = 5) -> kt.Oracle:
    made = kt.oracles.RandomSearchOracle(objective="val_accuracy", max_trials=max_trials, seed=1)
    made._set_project_dir(str(tmp_path), "project")
    hp = kt.HyperParameters()
    hp.Int("units", 1, 100)
    made.update_space(hp)
    return made


def serve(tmp_path: Path, **kwargs) -> tuple[OracleServer, Events]:
    events = Events()
    wrapped = TrialOracle(oracle(tmp_path), [events], **kwargs)
    server = OracleServer(wrapped, "127.0.0.1", free_port())
    return server, events


def test_a_dead_workers_trial_is_handed_to_the_next_worker_that_asks(tmp_path) -> None:
    server, events = serve(tmp_path)
    first = server.oracle.create_trial("worker-1")
    assert server.requeue("worker-1") == first.trial_id
    again = server.oracle.create_trial("worker-2")
    assert again.trial_id == first.trial_id
    assert again.hyperparameters.values == first.hyperparameters.values
    assert events.started == [first.trial_id], "one trial, started once in the progress"
    assert server.requeue("worker-3") is None, "a worker between trials has none to give back"


def test_ending_trials_relays_outcomes_and_finishes_once_every_worker_heard_stop(
    tmp_path,
) -> None:
    server, events = serve(tmp_path / "p", deadline=None)
    server.oracle.max_trials = 2
    for worker in ("w1", "w2"):
        trial = server.oracle.create_trial(worker)
        server.oracle.update_trial(trial.trial_id, {"val_accuracy": 0.5})
        trial.status = "COMPLETED"
        server.oracle.end_trial(trial)
    assert [status for _, status in events.ended] == ["COMPLETED", "COMPLETED"]
    assert not server.finished, "the workers were not told to stop yet"
    for worker in ("w1", "w2"):
        assert server.servicer.CreateTrial(_request(worker), None).trial.status == 4  # STOPPED
    assert server.finished and server.exhausted


def test_past_the_time_budget_no_new_trial_is_made(tmp_path) -> None:
    server, _ = serve(tmp_path, deadline=time.time() + 0.05)
    server.start()
    try:
        trial = server.oracle.create_trial("w1")
        server.oracle.update_trial(trial.trial_id, {"val_accuracy": 0.5})
        trial.status = "COMPLETED"
        server.oracle.end_trial(trial)
        time.sleep(0.1)
        assert str(server.oracle.create_trial("w1").status) == "STOPPED"
        assert len(server.oracle.trials) == 1
    finally:
        server.stop()


def test_a_port_in_use_is_one_clear_error(tmp_path) -> None:
    from search.errors import SearchError

    first, _ = serve(tmp_path / "a")
    first.start()
    try:
        with pytest.raises(SearchError, match="cannot listen on"):
            port = int(first.address.split(":")[1])
            OracleServer(TrialOracle(oracle(tmp_path / "b")), "127.0.0.1", port)
    finally:
        first.stop()


def _request(tuner_id: str):
    return internals.create_trial_request(tuner_id)


def test_a_trial_that_ended_just_before_a_kill_is_not_trained_again_on_resume(tmp_path) -> None:
    """keras-tuner saves oracle.json in end_trial before the trial leaves `ongoing`."""
    killed = oracle(tmp_path)
    trial = killed.create_trial("w1")
    killed.update_trial(trial.trial_id, {"val_accuracy": 0.5})
    trial.status = "COMPLETED"
    killed.end_trial(trial)  # and the process dies here, before any other save

    reloaded = oracle(tmp_path)
    reloaded.reload()
    assert internals.retry_queue(reloaded) == [trial.trial_id], "keras-tuner alone re-runs it"
    assert TrialOracle(reloaded).forget_ended_retries() == [trial.trial_id]
    assert reloaded.create_trial("w1").trial_id != trial.trial_id


def test_the_chief_saves_the_oracle_once_a_trial_has_left_ongoing(tmp_path) -> None:
    server, _ = serve(tmp_path)
    trial = server.oracle.create_trial("w1")
    server.oracle.update_trial(trial.trial_id, {"val_accuracy": 0.5})
    trial.status = "COMPLETED"
    server.oracle.end_trial(trial)
    reloaded = oracle(tmp_path)
    reloaded.reload()
    assert internals.retry_queue(reloaded) == []
