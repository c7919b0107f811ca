"""ASHA's promotions over keras-tuner's gRPC service (a real `OracleClient` against our
`OracleServer` around an `AshaOracle`): a worker is handed the promotion of a trial another
worker trained, while that other worker is still busy; no worker waits for a rung."""

from __future__ import annotations

from search.distributed.oracle_server import OracleServer
from search.tracking.server import free_port
from search.tuning.oracle import TrialOracle
from tests.distributed.test_stopping_over_grpc import worker
from tests.tuning.test_asha import asha


def test_a_worker_is_handed_the_promotion_of_another_workers_trial_without_waiting(
    tmp_path, monkeypatch
) -> None:
    port = free_port()
    server = OracleServer(TrialOracle(asha(tmp_path)), "127.0.0.1", port)
    server.start()
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", str(port))
    try:
        beta, _ = worker("beta", monkeypatch)
        busy = beta.oracle.create_trial("beta")  # trains on while alpha fills the rung
        alpha, ended = worker("alpha", monkeypatch)
        scores = {}
        for score in (0.5, 0.9, 0.4):
            trial = alpha.oracle.create_trial("alpha")
            assert trial.hyperparameters.values["tuner/epochs"] == 1
            alpha.oracle.update_trial(trial.trial_id, {"val_accuracy": score}, step=0)
            trial.status = "COMPLETED"
            alpha.oracle.end_trial(trial)
            scores[trial.trial_id] = score
        promoted = alpha.oracle.create_trial("alpha")
        values = promoted.hyperparameters.values
        assert str(promoted.status) == "RUNNING", "no waiting for beta's trial"
        assert values["tuner/trial_id"] == max(scores, key=scores.get)
        assert (values["tuner/initial_epoch"], values["tuner/epochs"]) == (1, 3)
        assert busy.trial_id not in scores and len(ended.outcomes) == 3
    finally:
        server.stop()
