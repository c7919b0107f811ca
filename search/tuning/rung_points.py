"""What an early-stopping rule compares of a trial after an epoch: its learning objective's
best so far, and with several objectives its point, that score plus the model's build-time
measures (`search.tuning.stopping` and `search.tuning.sparing` judge with these).

Only what is known while a trial trains can be compared: the learning objective up to the
epoch, and `params` and `flops` (carried with every epoch's report when several objectives are
set: `search.tuning.stopping.TrialStopper`). Objectives known only after training stand in by
the build-time measure they follow: FLOPs for `latency_ms` and `latency_ms_batch32`, params for
`model_bytes`. Other training metrics (a second objective such as `val_loss`) are not compared
while a trial trains: only its learning objective is judged by the rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from search.objectives_config import BUILT_MEASURES, ObjectiveConfig
from search.pareto import ranks
from search.tracking.schema import FLOPS, LATENCY_MS, LATENCY_MS_BATCH32, MODEL_BYTES, PARAMS
from search.tuning.constraints import penalized
from search.tuning.objective_values import value_of, values_of

# The build-time measure each measured objective is judged by while a trial trains.
PROXY = {
    PARAMS: PARAMS,
    FLOPS: FLOPS,
    MODEL_BYTES: PARAMS,
    LATENCY_MS: FLOPS,
    LATENCY_MS_BATCH32: FLOPS,
}
assert set(PROXY.values()) == set(BUILT_MEASURES)


def rung_score(trial: Any, objective: Any, step: int) -> float | None:
    """The trial's best objective up to epoch `step`: what every rule compares. The one
    place a trial's score for stopping comes from (a constraint on size or latency can
    make a trial that breaks it score badly here)."""
    if not trial.metrics.exists(objective.name):
        return None
    values = [
        float(obs.mean())
        for obs in trial.metrics.get_history(objective.name)
        if obs.step <= step and math.isfinite(obs.mean())
    ]
    if not values:
        return None
    return max(values) if objective.direction == "max" else min(values)


def reached(trial: Any, objective: Any, step: int) -> bool:
    """The trial reported epoch `step` (or a later one)."""
    if not trial.metrics.exists(objective.name):
        return False
    return any(obs.step >= step for obs in trial.metrics.get_history(objective.name))


def better(a: float, b: float, objective: Any) -> bool:
    return a > b if objective.direction == "max" else a < b


def cheap_objectives(objectives: Sequence[ObjectiveConfig]) -> tuple[ObjectiveConfig, ...]:
    """The build-time measures that stand for `objectives` after the first (each once, in
    order); none when no objective is a measure of the model."""
    found: dict[str, ObjectiveConfig] = {}
    for objective in objectives[1:]:
        proxy = PROXY.get(objective.name)
        if proxy is not None and proxy not in found:
            found[proxy] = ObjectiveConfig(name=proxy, direction=objective.direction)
    return tuple(found.values())


def _first(objective: Any) -> ObjectiveConfig:
    """keras-tuner's objective (the first of several) as ours."""
    return ObjectiveConfig(name=objective.name, direction=objective.direction)


def point_at(
    trial: Any, step: int, objective: Any, cheap: Sequence[ObjectiveConfig]
) -> list[float | None]:
    """The trial after epoch `step`: its objective's best so far, then each cheap measure
    (None where not known)."""
    first = _first(objective)
    return [rung_score(trial, first, step), *(value_of(trial, c, first) for c in cheap)]


def rank_ahead(
    trial: Any,
    contenders: Sequence[Any],
    step: int,
    objective: Any,
    cheap: Sequence[ObjectiveConfig],
) -> int:
    """How many of `contenders` (`trial` among them) rank ahead of `trial` after epoch `step`:
    by non-dominated rank on their points, ties by the objective. A cheap measure some
    contender lacks is left out for all (FLOPs of a text model); with none, this orders by the
    objective alone."""
    first = _first(objective)
    scored = [t for t in contenders if rung_score(t, first, step) is not None]
    ids = [t.trial_id for t in scored]
    if trial.trial_id not in ids:
        return len(contenders)
    judged = [c for c in cheap if all(value_of(t, c, first) is not None for t in scored)]
    known = [point_at(t, step, first, judged) for t in scored]
    points = [[float(v or 0.0) for v in point] for point in known]  # none is None here
    own = ids.index(trial.trial_id)
    if not judged:  # one objective: its order (`ranks` would make each score a layer)
        return sum(better(p[0], points[own][0], first) for p in points)
    ranked = ranks(points, [first.direction, *(c.direction for c in judged)])
    return sum(
        1
        for rank, point in zip(ranked, points, strict=True)
        if rank < ranked[own] or (rank == ranked[own] and better(point[0], points[own][0], first))
    )


def completed_points(
    trials: Sequence[Any], objective: Any, cheap: Sequence[ObjectiveConfig]
) -> list[list[float]]:
    """The completed trials that met the constraints, as points (their objective at its best
    epoch, their measures): the current front is among these."""
    judged = [_first(objective), *cheap]
    found = []
    for trial in trials:
        if str(trial.status) != "COMPLETED" or penalized(trial):
            continue
        values = values_of(trial, judged)
        if values is not None:
            found.append(values)
    return found
