"""A worker's trials are stopped by the chief's oracle: epochs reported over keras-tuner's
gRPC service (a real `OracleClient` against our `OracleServer`), the verdict and the mark
coming back to the worker that records the trial."""

from __future__ import annotations

import time

import pytest

from search.distributed.oracle_server import OracleServer
from search.tracking.server import free_port
from search.tuning.oracle import TrialOracle
from search.tuning.stopping import AshaRule
from tests.distributed.test_oracle_server import oracle


class Ended:
    def __init__(self) -> None:
        self.outcomes: list = []

    def trial_started(self, trial_id, hyperparameters) -> None:
        pass

    def trial_ended(self, outcome) -> None:
        self.outcomes.append(outcome)


@pytest.fixture
def chief(tmp_path, monkeypatch):
    port = free_port()
    rule = AshaRule(min_epochs=1, factor=3, max_epochs=9)
    deadline = time.time() + 3600
    server = OracleServer(
        TrialOracle(oracle(tmp_path), rule=rule, deadline=deadline), "127.0.0.1", port
    )
    server.start()
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", str(port))
    yield server
    server.stop()


def worker(name: str, monkeypatch, deadline: float | None = None) -> tuple[TrialOracle, Ended]:
    from keras_tuner.src.distribute.oracle_client import OracleClient

    monkeypatch.setenv("KERASTUNER_TUNER_ID", name)
    ended = Ended()
    return TrialOracle(OracleClient(oracle_stub()), [ended], deadline=deadline), ended


def oracle_stub():
    import keras_tuner as kt

    return kt.oracles.RandomSearchOracle(objective="val_accuracy", max_trials=50)


def train(worker_oracle: TrialOracle, curve: list[float]) -> int:
    trial = worker_oracle.oracle.create_trial(worker_oracle.oracle.tuner_id)
    for epoch, value in enumerate(curve):
        if worker_oracle.report_epoch(trial.trial_id, epoch, {"val_accuracy": value}):
            break
    trial.status = "COMPLETED"
    worker_oracle.oracle.end_trial(trial)
    return epoch + 1


def test_the_chiefs_asha_rule_stops_a_workers_trial_and_the_worker_records_why(
    chief, monkeypatch
) -> None:
    first, _ = worker("w1", monkeypatch)
    second, ended = worker("w2", monkeypatch)
    assert train(first, [0.9] * 9) == 9
    assert train(second, [0.5] * 9) == 1, "worse than the only other trial at rung 0"
    [outcome] = ended.outcomes
    assert (outcome.status, outcome.stopped, outcome.score) == (
        "COMPLETED",
        "epoch 1 (asha rung 0)",
        pytest.approx(0.5),
    )
    assert "stopped_by_asha_rung_0" not in outcome.metrics


def test_past_the_deadline_a_workers_trial_stops_and_says_so(chief, monkeypatch) -> None:
    late, ended = worker("w1", monkeypatch)
    chief.trial_oracle.deadline = time.time() - 1
    assert train(late, [0.9] * 9) == 1
    assert ended.outcomes[0].stopped == "epoch 1 (deadline)"
