"""With several objectives a worker's `TrialStopper` carries the model's params with every
epoch over keras-tuner's gRPC service, so that the chief's ASHA ranks it by them and spares it
on the front; the mark comes back to the worker that records the trial."""

from __future__ import annotations

import keras
import pytest

from search.distributed.oracle_server import OracleServer
from search.objectives_config import ObjectiveConfig
from search.tracking.server import free_port
from search.tuning.oracle import TrialOracle
from search.tuning.sparing import SpareTheFront
from search.tuning.stopping import AshaRule, TrialStopper
from tests.distributed.test_oracle_server import oracle
from tests.distributed.test_stopping_over_grpc import worker

PARAMS = (ObjectiveConfig(name="params", direction="min"),)


@pytest.fixture
def chief(tmp_path, monkeypatch):
    port = free_port()
    rule = SpareTheFront(AshaRule(min_epochs=1, factor=3, max_epochs=3, cheap=PARAMS), PARAMS)
    server = OracleServer(TrialOracle(oracle(tmp_path), rule=rule), "127.0.0.1", port)
    server.start()
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", str(port))
    yield server
    server.stop()


def train(worker_oracle: TrialOracle, accuracy: float, params: float | None) -> tuple[str, int]:
    """A trial reporting epochs through the `TrialStopper`, as a trial's fit would."""
    trial = worker_oracle.oracle.create_trial(worker_oracle.oracle.tuner_id)
    carried = None if params is None else (lambda: {"params": params})
    stopper = TrialStopper(worker_oracle, trial.trial_id, carried)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.stop_training = False  # as `fit` sets it
    stopper.set_model(model)
    trained = 0
    while trained < 3 and not stopper.model.stop_training:
        stopper.on_epoch_end(trained, {"val_accuracy": accuracy, "loss": 1.0})
        trained += 1
    trial.status = "COMPLETED"
    worker_oracle.oracle.end_trial(trial)
    return trial.trial_id, trained


def test_a_small_model_a_worker_trains_is_spared_by_its_params_carried_over_grpc(
    chief, monkeypatch
) -> None:
    first, _ = worker("w1", monkeypatch)
    big_id, trained = train(first, 0.9, 1000.0)
    assert trained == 3
    history = chief.trial_oracle.oracle.trials[big_id].metrics.get_history("params")
    assert [(o.step, o.value) for o in history] == [(s, [1000.0]) for s in range(3)]
    second, ended = worker("w2", monkeypatch)
    assert train(second, 0.5, 100.0)[1] == 3, "worse, but no completed trial is smaller"
    [outcome] = ended.outcomes
    assert (outcome.stopped, outcome.spared) == (None, "epoch 1: on the front by params")
    third, ended = worker("w3", monkeypatch)
    assert train(third, 0.5, None)[1] == 1, "no params carried: judged by accuracy alone"
    assert ended.outcomes[0].stopped == "epoch 1 (asha rung 0)"
