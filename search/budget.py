"""The time budget of one command: `tuner.max_seconds` counts from the command's start.

Data preparation, the trials and the finishing work (the best model's test evaluation, its
logging and registration, the report) all come out of it. The trials get the budget less a
reserve for the finishing work; a trial running at their deadline stops there
(`search.tuning.stopping`), and none starts that could not train an epoch before it.

The reserve is a share of the budget, at least FINISH_MIN_SECONDS: on a loaded 2-core
machine a small model's finishing took about 10 s (test evaluation 1 s, logging and
registering it in SQLite 6 s, the report 2 s).

With `tuner.refit`, a further share of the budget is kept for the final refit on train +
validation (`search.refit`): the trials end that much earlier, and the refit must end by the
finishing reserve.
"""

from __future__ import annotations

FINISH_SHARE = 0.1  # of the budget, kept for what comes after the last trial,
FINISH_MIN_SECONDS = 10.0  # at least this much
FINISH_MAX_SECONDS = 120.0  # and at most this much


def finish_reserve(max_seconds: float) -> float:
    """Seconds kept after the trials for the finishing work."""
    share = FINISH_SHARE * max_seconds
    return min(max(share, FINISH_MIN_SECONDS), FINISH_MAX_SECONDS)


def refit_reserve(max_seconds: float, share: float) -> float:
    """Seconds kept for the refit between the trials and the finishing work (0: no refit)."""
    return share * (max_seconds - finish_reserve(max_seconds))


def trials_deadline(
    started: float, max_seconds: float | None, refit_share: float = 0.0
) -> float | None:
    """When the trials must end (wall clock, `time.time()`); None without a budget."""
    if max_seconds is None:
        return None
    reserve = finish_reserve(max_seconds) + refit_reserve(max_seconds, refit_share)
    return started + max_seconds - reserve


def describe_budget(max_seconds: float | None, refit_share: float = 0.0) -> str:
    """The budget's plan in one line: how much explores, how much the refit and finishing get."""
    if not max_seconds:
        return "none (tuner.max_seconds)"
    finish = finish_reserve(max_seconds)
    refit = refit_reserve(max_seconds, refit_share)
    exploring = max_seconds - finish - refit
    kept = f"{refit:.0f} s for the refit on train+validation, " if refit else ""
    return (
        f"{max_seconds:g} s for the whole command: {exploring:.0f} s for data and trials, "
        f"{kept}{finish:.0f} s for the test evaluation, the model and the report"
    )
