"""A wall-clock budget for a search: no new trial starts once the budget is spent.

keras-tuner has no time limit of its own. Its search loop asks the oracle for a trial and
stops when the oracle answers STOPPED, which the oracle does once `max_trials` trials
exist; so when the deadline has passed, `max_trials` is lowered to the trials already made.
The trial running at the deadline finishes (its result is kept and tracked).
"""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger(__name__)


class TimeBudgetMixin:
    """Mixed in before a keras-tuner Tuner; `max_seconds` None means no budget."""

    max_seconds: float | None = None
    _deadline: float | None = None

    def search(self, *args: object, **kwargs: object) -> object:
        if self.max_seconds is not None:
            self._deadline = time.monotonic() + self.max_seconds
        return super().search(*args, **kwargs)  # type: ignore[misc]

    def pre_create_trial(self) -> None:
        super().pre_create_trial()  # type: ignore[misc]
        keep_budget(self.oracle, self._deadline, self.max_seconds)  # type: ignore[attr-defined]


def keep_budget(oracle: Any, deadline: float | None, seconds: float | None) -> None:
    """Past the deadline (and after a first trial) `max_trials` becomes the trials made."""
    if deadline is None or time.monotonic() < deadline or not oracle.trials:
        return
    if oracle.max_trials is None or oracle.max_trials > len(oracle.trials):
        log.info("time budget of %ss spent: no new trial starts", seconds)
        oracle.max_trials = len(oracle.trials)
