"""What listeners (tracking, progress, the report) hear of a search: trials and epochs.

Trial starts and ends come from the oracle (`search.tuning.oracle`), epochs from a callback
on the training path (`search.tuning.training`). keras-tuner aborts the whole search when
one of its hooks raises, so every listener call is guarded: a broken listener is logged,
never fatal.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any, Protocol

import keras_tuner as kt

from search.outcome import TrialOutcome
from search.tuning.sparing import describe_spare
from search.tuning.stopping import describe_stop, is_mark

log = logging.getLogger(__name__)


class TrialListener(Protocol):
    def trial_started(self, trial_id: str, hyperparameters: dict[str, Any]) -> None: ...

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None: ...

    def trial_ended(self, outcome: TrialOutcome) -> None: ...

    # Optional (a listener without it is skipped): what a trial's model costs, before it ends
    # (`search.tuning.measured`). def trial_measured(self, trial_id, measures, notes) -> None


def relay(listeners: Sequence[Any], event: str, *args: Any) -> None:
    """Calls `event` on every listener that has it; one that raises is logged and the others
    still hear."""
    for listener in listeners:
        method = getattr(listener, event, None)
        if method is None:
            continue
        try:
            method(*args)
        except Exception:
            log.exception("%s failed in %s", type(listener).__name__, event)


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
        stopped=describe_stop(recorded),
        spared=describe_spare(recorded),
    )


def is_number(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _metrics_at_step(trial: kt.engine.trial.Trial, step: int | None) -> dict[str, float]:
    """Every metric's value at the trial's best step (the epoch that scored best)."""
    found: dict[str, float] = {}
    if step is None:
        return found
    for name in (n for n in trial.metrics.metrics if not is_mark(n)):
        for observation in trial.metrics.get_history(name):
            if observation.step == step and is_number(observation.value[0]):
                found[name] = float(observation.value[0])
    return found
