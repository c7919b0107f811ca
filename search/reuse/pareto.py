"""The Pareto front of a finished search with several objectives, from its trial runs in MLflow
(`search best --pareto`).

The same trials the champion is chosen from: completed, meeting every constraint, trained
furthest. Each objective's value as its run recorded it: the learning objective is the run's
score, a measure its metric, any other metric its value at the best epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from search.errors import ConfigError
from search.objectives_config import ObjectiveConfig, ObjectivesFields
from search.pareto import front
from search.tracking import reader
from search.tracking.schema import (
    BEST_EPOCH,
    CHAMPION_RULE_TAG,
    CHAMPION_TRIAL_TAG,
    CONSTRAINT_TAG,
    EXPERIMENT_TAG,
    HYPERBAND_EPOCHS,
    MEASURES,
    REFUSED_TAG,
    SCORE,
    STATUS_TAG,
    STOPPED_TAG,
    TRIAL_ID_TAG,
)


@dataclass(frozen=True)
class FrontMember:
    trial_id: str
    run_id: str
    values: dict[str, float]
    champion: bool


@dataclass(frozen=True)
class ParetoFront:
    """The front of a search's eligible trials, best first by the learning objective."""

    experiment: str
    search_run_id: str
    objectives: list[dict[str, str]]  # name, direction
    eligible: int  # how many trials the front was taken from
    members: list[FrontMember]
    champion_rule: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment,
            "search_run_id": self.search_run_id,
            "objectives": self.objectives,
            "eligible_trials": self.eligible,
            "champion_rule": self.champion_rule,
            "front": [member.__dict__ for member in self.members],
        }


def pareto_front(client: Any, search_run: Any) -> ParetoFront:
    """The front of `search_run`; a ConfigError when the search had one objective."""
    run_id = search_run.info.run_id
    objectives = objectives_of(client, search_run)
    runs = eligible_runs(reader.trial_runs(client, search_run.info.experiment_id, run_id))
    valued = [(r, v) for r in runs if (v := run_values(client, r, objectives)) is not None]
    members = front([v for _, v in valued], [o.direction for o in objectives])
    champion = search_run.data.tags.get(CHAMPION_TRIAL_TAG)
    found = [
        FrontMember(
            trial_id=(trial_id := run.data.tags.get(TRIAL_ID_TAG, "")),
            run_id=run.info.run_id,
            values={o.name: v for o, v in zip(objectives, values, strict=True)},
            champion=trial_id == champion,
        )
        for i, (run, values) in enumerate(valued)
        if i in members
    ]
    first = objectives[0]
    found.sort(key=lambda m: m.values[first.name], reverse=first.direction == "max")
    return ParetoFront(
        experiment=search_run.data.tags.get(EXPERIMENT_TAG, ""),
        search_run_id=run_id,
        objectives=[{"name": o.name, "direction": o.direction} for o in objectives],
        eligible=len(valued),
        members=found,
        champion_rule=search_run.data.tags.get(CHAMPION_RULE_TAG, ""),
    )


def objectives_of(client: Any, search_run: Any) -> list[ObjectiveConfig]:
    """The search's `tuner.objectives`, read from the experiment it logged."""
    run_id = search_run.info.run_id
    tuner = (reader.experiment_config(client, run_id) or {}).get("tuner") or {}
    fields = ObjectivesFields.model_validate(
        {k: tuner[k] for k in ("objective", "objectives") if tuner.get(k) is not None}
    )
    if not fields.several:
        raise ConfigError(
            f"search run {run_id} has one objective ({fields.objective.name}): a Pareto front "
            "needs tuner.objectives with two or more; `search best` ranks its trials"
        )
    return fields.all_objectives


def eligible_runs(runs: list[Any]) -> list[Any]:
    """Completed trial runs with a score that met every constraint, trained furthest."""
    met = [
        r
        for r in runs
        if r.data.tags.get(STATUS_TAG) == "COMPLETED"
        and SCORE in r.data.metrics
        and not {CONSTRAINT_TAG, REFUSED_TAG} & set(r.data.tags)
    ]
    furthest = max((_fidelity(r) for r in met), default=0.0)
    return [r for r in met if _fidelity(r) == furthest]


def run_values(client: Any, run: Any, objectives: list[ObjectiveConfig]) -> list[float] | None:
    """Each objective's value for a trial run, or None when one is missing."""
    metrics = run.data.metrics
    found: list[float] = []
    for objective in objectives:
        if objective is objectives[0]:
            value = metrics.get(SCORE)
        elif objective.name in MEASURES or BEST_EPOCH not in metrics:
            value = metrics.get(objective.name)
        else:
            history = reader.metric_history(client, run.info.run_id, objective.name)
            at_best = [v for step, v in history if step == int(metrics[BEST_EPOCH])]
            value = at_best[0] if at_best else metrics.get(objective.name)
        if value is None:
            return None
        found.append(float(value))
    return found


def _fidelity(run: Any) -> float:
    """As `search.tuning.stopping.fidelity`, from the run: epochs a stopped trial trained (its
    tag: `epoch 3 (asha rung 1)`), a Hyperband round's epochs (its `tuner/epochs` param);
    others infinity."""
    stopped = run.data.tags.get(STOPPED_TAG, "")
    parts = stopped.split()
    if len(parts) > 1 and parts[1].isdigit():
        return float(parts[1])
    planned = run.data.params.get(HYPERBAND_EPOCHS, "")
    return float(planned) if planned.isdigit() else math.inf
