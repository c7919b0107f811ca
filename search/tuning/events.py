"""Trial events from keras-tuner's search loop, relayed to listeners (tracking, progress).

keras-tuner aborts the whole search when `on_trial_begin` or `on_trial_end` raises, so
every listener call is guarded: a broken listener is logged, never fatal.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import keras
import keras_tuner as kt
from keras_tuner.src import config as kt_config

log = logging.getLogger(__name__)

# keras-tuner prints every failed trial's traceback to stderr; ours go to the trial's run.
kt_config.DEBUG = False


@dataclass
class TrialOutcome:
    """How a trial ended, as keras-tuner's oracle decided it."""

    trial_id: str
    status: str  # COMPLETED, FAILED, or INVALID (will be retried)
    score: float | None
    hyperparameters: dict[str, Any]
    seconds: float
    best_step: int | None = None
    message: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """The last line of the traceback: what went wrong, in one line."""
        return failure_reason(self.message)


def failure_reason(message: str | None) -> str:
    """A traceback's last line; a FailedTrialError states its reason on purpose, so unprefixed."""
    lines = [line for line in (message or "").strip().splitlines() if line.strip()]
    last = lines[-1].strip() if lines else ""
    return re.sub(r"^[\w.]*FailedTrialError: ", "", last)


class TrialListener(Protocol):
    def trial_started(self, trial_id: str, hyperparameters: dict[str, Any]) -> None: ...

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None: ...

    def trial_ended(self, outcome: TrialOutcome) -> None: ...


class EpochRelay(keras.callbacks.Callback):
    """Sends each epoch's logs to the listeners; shared, not copied, across executions."""

    def __init__(self, relay: TrialEventsMixin, trial_id: str) -> None:
        super().__init__()
        self.relay = relay
        self.trial_id = trial_id

    def __deepcopy__(self, memo: dict[int, Any]) -> EpochRelay:
        return self  # keras-tuner deep-copies callbacks per execution; this one holds listeners

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        metrics = {k: float(v) for k, v in (logs or {}).items() if _is_number(v)}
        self.relay.notify("epoch_ended", self.trial_id, epoch, metrics)


class NonFiniteLossGuard(keras.callbacks.Callback):
    """Fails the trial when the training loss turns NaN or infinite.

    Keras's own TerminateOnNaN only stops training, and the trial would then complete with
    a meaningless score; keras-tuner marks a trial raising FailedTrialError FAILED at once.
    """

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._check((logs or {}).get("loss"), f"batch {batch}")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._check((logs or {}).get("loss"), f"epoch {epoch}")

    def _check(self, loss: Any, where: str) -> None:
        if loss is not None and not math.isfinite(float(loss)):
            self.model.stop_training = True
            raise kt.errors.FailedTrialError(f"non-finite training loss ({float(loss)}) at {where}")


def relay(listeners: Sequence[Any], event: str, *args: Any) -> None:
    """Calls `event` on every listener; one that raises is logged and the others still hear."""
    for listener in listeners:
        try:
            getattr(listener, event)(*args)
        except Exception:
            log.exception("%s failed in %s", type(listener).__name__, event)


class TrialEventsMixin:
    """Mixed in before a keras-tuner Tuner class to relay its trial events."""

    listeners: Sequence[TrialListener] = ()
    _started: dict[str, float]

    def notify(self, event: str, *args: Any) -> None:
        relay(self.listeners, event, *args)

    def on_trial_begin(self, trial: kt.engine.trial.Trial) -> None:
        super().on_trial_begin(trial)  # type: ignore[misc]
        self._started = getattr(self, "_started", {})
        self._started[trial.trial_id] = time.monotonic()
        self.notify("trial_started", trial.trial_id, dict(trial.hyperparameters.values))

    def run_trial(self, trial: kt.engine.trial.Trial, *args: Any, **kwargs: Any) -> Any:
        relay = EpochRelay(self, trial.trial_id)
        kwargs["callbacks"] = [*kwargs.get("callbacks", []), NonFiniteLossGuard(), relay]
        return super().run_trial(trial, *args, **kwargs)  # type: ignore[misc]

    def on_trial_end(self, trial: kt.engine.trial.Trial) -> None:
        try:
            super().on_trial_end(trial)  # type: ignore[misc]
        finally:
            # The oracle has now scored the trial (a NaN score turns it INVALID / FAILED).
            self.notify("trial_ended", self._outcome(trial))

    def _outcome(self, trial: kt.engine.trial.Trial) -> TrialOutcome:
        # `get_trial`, not `trials`: a parallel worker's oracle is a client of the chief's.
        try:
            recorded = self.oracle.get_trial(trial.trial_id)  # type: ignore[attr-defined]
        except KeyError:
            recorded = trial
        started = self._started.pop(trial.trial_id, time.monotonic())
        return outcome_of(recorded, time.monotonic() - started)


def outcome_of(recorded: kt.engine.trial.Trial, seconds: float) -> TrialOutcome:
    """A trial as the oracle recorded it (also one reloaded from the tuner's project)."""
    score = recorded.score
    if score is not None and not math.isfinite(score):
        score = None
    return TrialOutcome(
        trial_id=recorded.trial_id,
        status=str(recorded.status),
        score=score,
        hyperparameters=dict(recorded.hyperparameters.values),
        seconds=seconds,
        best_step=recorded.best_step,
        message=recorded.message,
        metrics=_metrics_at_step(recorded, recorded.best_step),
    )


def _is_number(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _metrics_at_step(trial: kt.engine.trial.Trial, step: int | None) -> dict[str, float]:
    """Every metric's value at the trial's best step (the epoch that scored best)."""
    found: dict[str, float] = {}
    if step is None:
        return found
    for name in trial.metrics.metrics:
        for observation in trial.metrics.get_history(name):
            if observation.step == step and _is_number(observation.value[0]):
                found[name] = float(observation.value[0])
    return found
