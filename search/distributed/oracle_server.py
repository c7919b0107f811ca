"""The chief's side: keras-tuner's oracle served over its own gRPC service, without blocking.

keras-tuner's `Tuner.search` on a chief blocks in `oracle_chief.start_server`, polling every
20 s; serving its `OracleServicer` here instead lets the chief supervise local workers, keep
the time budget, show progress, and end the moment the last trial does.
"""

from __future__ import annotations

import logging
from concurrent import futures

from search.tuning import keras_tuner_internals as internals
from search.tuning.oracle import TrialOracle, all_ended

log = logging.getLogger(__name__)


class OracleServer:
    """keras-tuner's oracle on `host:port`. The wrapped oracle (`TrialOracle`) relays trial
    starts and ends, keeps the time budget, stops trials and does the retry bookkeeping, as
    in one process."""

    def __init__(self, trial_oracle: TrialOracle, host: str, port: int) -> None:
        import grpc

        self.trial_oracle = trial_oracle
        self.oracle = trial_oracle.oracle
        self.address = f"{host}:{port}"
        # Without SO_REUSEPORT a second chief on the same port fails here instead of
        # silently sharing the workers' requests with the first.
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=8), options=[("grpc.so_reuseport", 0)]
        )
        self.servicer = internals.oracle_service(self.oracle, self.server)
        try:
            bound = self.server.add_insecure_port(self.address)
        except RuntimeError:
            bound = 0
        if bound == 0:
            from search.errors import SearchError

            raise SearchError(f"cannot listen on {self.address} for workers (port in use?)")

    def start(self) -> OracleServer:
        self.server.start()
        log.info("oracle serving workers on %s", self.address)
        return self

    def stop(self) -> None:
        self.server.stop(grace=2).wait()

    @property
    def finished(self) -> bool:
        """Every trial handed out has ended, and every worker that asked for one was told to
        stop or left for good (a recycled worker at the end of the search)."""
        return self.exhausted and all_ended(self.oracle)

    @property
    def exhausted(self) -> bool:
        """No new trial will be made (a worker heard STOPPED, or max_trials are made) and
        none waits for a retry: a worker that leaves now need not be replaced."""
        oracle = self.oracle
        made = oracle.max_trials is not None and len(oracle.trials) >= oracle.max_trials
        stopped = bool(self.servicer.stop_triggered) or made
        return stopped and not self.trial_oracle.waiting_retries()

    def requeue(self, tuner_id: str) -> str | None:
        """A worker died: its trial goes back to the oracle's retry queue for another worker.
        Returns the trial id (None when it was between trials)."""
        return self.trial_oracle.requeue(tuner_id)

    def forget(self, tuner_id: str) -> None:
        """A worker that will not come back: the chief stops waiting for it."""
        self.trial_oracle.forget(tuner_id)
