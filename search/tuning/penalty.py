"""The oracle's side of `tuner.constraints`: a trial that broke one scores as the worst trial,
a refused one does not use up `max_trials`, and the best trial is one that met them all.

Score of a trial that broke a constraint: the worst score among the completed trials that met
them (its own measured score included), kept so as each trial ends, so every tuner learns the
region is bad. Not an infinity: keras-tuner's Bayesian oracle turns infinities into 0 before
fitting its Gaussian process, which for a `min` objective would be the best score of all.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from search.errors import SearchError
from search.tuning.constraints import MEASURE_OF, OVER_PREFIX, penalized, refused

log = logging.getLogger(__name__)

NO_ROOM_AFTER = 50  # refusals in a row that end a search
STATUSES = ("COMPLETED", "FAILED", "INVALID", "RUNNING")


def _completed(oracle: Any) -> list[Any]:
    return [t for t in oracle.trials.values() if str(t.status) == "COMPLETED"]


def install(oracle: Any) -> None:
    """Replaces `oracle.score_trial` on the instance (keras-tuner calls it in `end_trial`,
    once the ended trial is COMPLETED in `oracle.trials`)."""
    original = oracle.score_trial

    def score_trial(trial: Any) -> None:
        original(trial)
        rescore(oracle)

    oracle.score_trial = score_trial


def rescore(oracle: Any) -> None:
    """Every penalized trial gets the worst score of the trials that met the constraints and
    its own (a refused trial has none: it keeps its placeholder until some trial scores)."""
    worst = min if oracle.objective.direction == "max" else max
    completed = _completed(oracle)
    met = [t.score for t in completed if not penalized(t) and _finite(t.score)]
    for trial in (t for t in completed if penalized(t)):
        own = [trial.score] if not refused(trial) and _finite(trial.score) else []
        if met or own:
            trial.score = worst([*met, *own])


class Refusals:
    """Counts refused trials: each gives its place in `max_trials` back, and `NO_ROOM_AFTER` in
    a row stop the search (`no_room`)."""

    def __init__(self, oracle: Any) -> None:
        self.oracle = oracle
        self.in_a_row = 0
        self.no_room = False
        earlier = sum(refused(t) for t in oracle.trials.values())  # a resumed search's
        self._give_back(earlier)

    def saw(self, trial: Any) -> None:
        if not refused(trial):
            self.in_a_row = 0
            return
        self.in_a_row += 1
        self._give_back(1)
        if self.in_a_row >= NO_ROOM_AFTER:
            self.no_room = True
            self.oracle.max_trials = len(self.oracle.trials)  # the oracle answers STOPPED

    def _give_back(self, count: int) -> None:
        if self.oracle.max_trials is not None:
            self.oracle.max_trials += count


def best_meeting_trial(oracle: Any, no_room: bool = False) -> Any:
    """The best completed trial that met every constraint. Raises SearchError when none did:
    the constraints left no room (`no_room`), or naming the trial that came closest."""
    met = meeting_trials(oracle)
    if no_room:
        log.warning(no_room_line())
    if met:  # a trial stopped early never beats one trained further on a noisy score
        from search.tuning.stopping import furthest_trained

        return furthest_trained(met)
    if no_room:
        raise SearchError(no_room_line())
    broke = [t for t in _completed(oracle) if penalized(t)]
    closest = min(broke, key=_worst_ratio, default=None)
    if closest is None:
        raise SearchError("no trial completed with a score; see the trial runs in MLflow")
    raise SearchError(
        f"no completed trial meets tuner.constraints ({len(broke)} broke them); the closest is "
        f"trial {closest.trial_id}: {_overs(closest)}. No model was registered: loosen the "
        "constraints or narrow the space"
    )


def meeting_trials(oracle: Any) -> list[Any]:
    """The completed trials with a score that met every constraint, best first."""
    met = [t for t in oracle.get_best_trials(len(oracle.trials)) if not penalized(t)]
    return [t for t in met if str(t.status) == "COMPLETED" and _finite(t.score)]


def no_room_line() -> str:
    return (
        f"search stopped: {NO_ROOM_AFTER} models in a row were refused before training; the "
        "constraints (tuner.constraints max_params/max_flops) leave no room in the space"
    )


def choose_best(tuner: Any, records: list[Any]) -> Any:
    """The search's best trial under its constraints, after saying what refusals saved."""
    from search.report.notes import refusal_note

    note = refusal_note(records)
    if note:
        log.info(note)
    refusals = getattr(tuner.trial_oracle, "refusals", None)
    return best_meeting_trial(tuner.oracle, bool(refusals and refusals.no_room))


def status_counts(trials: list[Any]) -> dict[str, int]:
    """How many trials ended in each status, the refused ones (COMPLETED to keras-tuner)
    counted apart from the completed ones."""
    counts = {s: sum(str(t.status) == s for t in trials) for s in STATUSES}
    count = sum(refused(t) for t in trials)
    return {"COMPLETED": counts.pop("COMPLETED") - count, "REFUSED": count, **counts}


def _worst_ratio(trial: Any) -> float:
    ratios = [_value(trial, f"{OVER_PREFIX}{c}") for c in MEASURE_OF]
    return max((r for r in ratios if r is not None), default=math.inf)


def _overs(trial: Any) -> str:
    parts = []
    for constraint in MEASURE_OF:
        ratio = _value(trial, f"{OVER_PREFIX}{constraint}")
        if ratio is not None:
            parts.append(f"{constraint} exceeded by {100 * (ratio - 1):.1f}%")
    return ", ".join(parts) or "no measure recorded"


def _value(trial: Any, name: str) -> float | None:
    if not trial.metrics.exists(name):
        return None
    history = trial.metrics.get_history(name)
    return float(history[-1].value[0]) if history else None


def _finite(score: Any) -> bool:
    return score is not None and math.isfinite(score)


def ended_trials(tuner: Any) -> tuple[list[Any], dict[str, int]]:
    """Every trial and the count of each status; raises when none completed with a score."""
    trials = list(tuner.oracle.trials.values())
    counts = status_counts(trials)  # refused ones (tuner.constraints) apart from completed
    completed = [t for t in trials if str(t.status) == "COMPLETED" and t.score is not None]
    if not completed:
        raise SearchError(
            f"no trial completed ({counts['FAILED']} failed); their reasons are on the failed "
            "trial runs in MLflow. Fix the experiment, then run it with --fresh to start anew"
        )
    return trials, counts
