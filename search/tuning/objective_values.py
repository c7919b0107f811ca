"""A trial's value of each objective, read from what its oracle recorded: one reading for the
tuners (ParEGO, ASHA's ranks), the Pareto front, the champion rule and the report.

The first objective is the learning objective at the trial's best epoch; any other metric is
its value at that same epoch; a measure of the model (`params`, `latency_ms`, ...: recorded
with every trial's best epoch by `search.tuning.measured`) is the same at every epoch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from search.objectives_config import ObjectiveConfig


def value_of(trial: Any, objective: ObjectiveConfig, first: ObjectiveConfig) -> float | None:
    """`objective`'s value for `trial`, or None when it was not recorded (a failed trial, a
    measure that could not be taken)."""
    metrics = trial.metrics
    if not metrics.exists(first.name):
        return None
    if objective.name == first.name:
        return float(metrics.get_best_value(first.name))
    if not metrics.exists(objective.name):
        return None
    history = metrics.get_history(objective.name)
    best_step = metrics.get_best_step(first.name)
    at_best = [o.value for o in history if o.step == best_step]
    found = at_best[0] if at_best else history[-1].value
    return float(found[0] if isinstance(found, list | tuple) else found)


def values_of(trial: Any, objectives: Sequence[ObjectiveConfig]) -> list[float] | None:
    """Every objective's value (the first being the learning objective), or None when one is
    missing: such a trial is left out of fronts and ranks."""
    found = [value_of(trial, objective, objectives[0]) for objective in objectives]
    return None if any(v is None for v in found) else [float(v) for v in found if v is not None]
