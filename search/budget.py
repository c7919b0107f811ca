"""The time budget of one command: `tuner.max_seconds` counts from the command's start.

Data preparation, the trials and the finishing work (the best model's test evaluation, its
logging, the report) all come out of it. Trials get the budget less a share kept for the
finishing work; a trial running at their deadline stops there (`search.tuning.stopping`).
"""

from __future__ import annotations

FINISH_SHARE = 0.1  # of the budget, kept for what comes after the last trial
FINISH_MAX_SECONDS = 120.0


def trials_deadline(started: float, max_seconds: float | None) -> float | None:
    """When the trials must end (wall clock, `time.time()`); None without a budget."""
    if max_seconds is None:
        return None
    return started + max_seconds - min(FINISH_SHARE * max_seconds, FINISH_MAX_SECONDS)
