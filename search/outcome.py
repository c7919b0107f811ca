"""How a trial ended: what tracking, progress and the report record of it.

Plain data with no keras or keras-tuner import, so that replaying a journal (`search sync`)
or drawing a report does not load TensorFlow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# Metrics a trial reports to keras-tuner's oracle (not to MLflow) when it broke a constraint
# (`tuner.constraints`): the oracle scores it as the worst trial, and it is never the best.
REFUSED_MARK = "search_refused"  # refused before training (too many params or FLOPs)
BROKE_MARK = "search_broke"  # trained, then over a latency or file-size limit


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
    stopped: str | None = None  # stopped early: `epoch 3 (asha rung 1)` (still COMPLETED)
    spared: str | None = None  # not stopped, on the front: `epoch 1: on the front by flops`

    @property
    def refused(self) -> bool:
        return bool(self.metrics.get(REFUSED_MARK))

    @property
    def penalized(self) -> bool:
        """Broke a constraint: its score is a penalty, not what it achieved."""
        return self.refused or bool(self.metrics.get(BROKE_MARK))

    @property
    def reason(self) -> str:
        """The last line of the traceback: what went wrong, in one line."""
        return failure_reason(self.message)


def failure_reason(message: str | None) -> str:
    """A traceback's last line; a FailedTrialError states its reason on purpose, so unprefixed."""
    lines = [line for line in (message or "").strip().splitlines() if line.strip()]
    last = lines[-1].strip() if lines else ""
    return re.sub(r"^[\w.]*FailedTrialError: ", "", last)
