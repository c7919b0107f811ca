"""The chief's side: keras-tuner's oracle served over its own gRPC service, without blocking.

keras-tuner's `Tuner.search` on a chief blocks in `oracle_chief.start_server`, polling every
20 s; serving its `OracleServicer` here instead lets the chief supervise local workers, keep
the time budget, show progress, and end the moment the last trial does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent import futures
from typing import Any

from keras_tuner.src import protos
from keras_tuner.src.distribute.oracle_chief import OracleServicer, exit_chief
from keras_tuner.src.engine import trial as trial_module
from keras_tuner.src.engine.oracle import synchronized

log = logging.getLogger(__name__)


class OracleServer:
    """keras-tuner's oracle on `host:port`; trial starts and ends relayed to `listeners`."""

    def __init__(
        self,
        oracle: Any,
        host: str,
        port: int,
        listeners: Sequence[Any] = (),
        max_seconds: float | None = None,
    ) -> None:
        import grpc

        from search.distributed import silence_debug_print

        silence_debug_print()
        self.oracle = oracle
        self.address = f"{host}:{port}"
        self.servicer = OracleServicer(oracle)
        self.listeners = list(listeners)
        self.max_seconds = max_seconds
        self._deadline: float | None = None
        self._started: dict[str, float] = {}
        self._relay_events()
        # Without SO_REUSEPORT a second chief on the same port fails here instead of
        # silently sharing the workers' requests with the first.
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=8), options=[("grpc.so_reuseport", 0)]
        )
        protos.get_service_grpc().add_OracleServicer_to_server(self.servicer, self.server)
        try:
            bound = self.server.add_insecure_port(self.address)
        except RuntimeError:
            bound = 0
        if bound == 0:
            from search.errors import SearchError

            raise SearchError(f"cannot listen on {self.address} for workers (port in use?)")

    def start(self) -> OracleServer:
        if self.max_seconds is not None:
            self._deadline = time.monotonic() + self.max_seconds
        self.server.start()
        log.info("oracle serving workers on %s", self.address)
        return self

    def stop(self) -> None:
        self.server.stop(grace=2).wait()

    @property
    def finished(self) -> bool:
        """Every trial handed out has ended, and every worker that asked for one was told to
        stop or left for good (a recycled worker at the end of the search)."""
        return self.exhausted and bool(exit_chief(self.oracle))

    @property
    def exhausted(self) -> bool:
        """No new trial will be made (a worker heard STOPPED, or max_trials are made) and
        none waits for a retry: a worker that leaves now need not be replaced."""
        oracle = self.oracle
        made = oracle.max_trials is not None and len(oracle.trials) >= oracle.max_trials
        return (bool(self.servicer.stop_triggered) or made) and not oracle._retry_queue

    def requeue(self, tuner_id: str) -> str | None:
        """A worker died: its trial goes back to the oracle's retry queue for another worker.
        Returns the trial id (None when it was between trials)."""
        return _requeue(self.oracle, tuner_id)

    def forget(self, tuner_id: str) -> None:
        """A worker that will not come back: the chief stops waiting for it."""
        _forget(self.oracle, tuner_id)

    def _relay_events(self) -> None:
        """Wraps the oracle's create/end of trials: events for listeners, the time budget."""
        oracle = self.oracle
        create, end = oracle.create_trial, oracle.end_trial

        def create_trial(tuner_id: str) -> Any:
            self._keep_budget()
            trial = create(tuner_id)
            running = trial.status == trial_module.TrialStatus.RUNNING
            if running and trial.trial_id not in self._started:
                self._started[trial.trial_id] = time.monotonic()
                self._notify("trial_started", trial.trial_id, dict(trial.hyperparameters.values))
            return trial

        def end_trial(trial: Any) -> Any:
            result = end(trial)
            _save(oracle)  # keras-tuner's own save came before the trial left `ongoing`
            from search.tuning.events import outcome_of

            recorded = oracle.trials[trial.trial_id]
            if str(recorded.status) != "RUNNING":  # RUNNING again: re-queued for a retry
                started = self._started.pop(trial.trial_id, time.monotonic())
                self._notify("trial_ended", outcome_of(recorded, time.monotonic() - started))
            return result

        oracle.create_trial, oracle.end_trial = create_trial, end_trial

    def _keep_budget(self) -> None:
        from search.tuning.budget import keep_budget

        keep_budget(self.oracle, self._deadline, self.max_seconds)

    def _notify(self, event: str, *args: Any) -> None:
        from search.tuning.events import relay

        relay(self.listeners, event, *args)


@synchronized
def _requeue(oracle: Any, tuner_id: str) -> str | None:
    trial = oracle.ongoing_trials.pop(tuner_id, None)
    if trial is None:
        return None
    oracle._retry_queue.append(trial.trial_id)
    oracle.save()
    return str(trial.trial_id)


@synchronized
def _save(oracle: Any) -> None:
    oracle.save()


@synchronized
def _forget(oracle: Any, tuner_id: str) -> None:
    oracle.tuner_ids.discard(tuner_id)
