"""The best trials of a search, ranked by the objective the search optimised, from MLflow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from search.reuse.sources import parse_param
from search.tracking import reader
from search.tracking.schema import (
    EXPERIMENT_TAG,
    OBJECTIVE_DIRECTION_PARAM,
    OBJECTIVE_NAME_PARAM,
    SCORE,
    STATUS_TAG,
    TRIAL_ID_TAG,
)


@dataclass(frozen=True)
class RankedTrial:
    rank: int
    trial_id: str
    run_id: str
    score: float
    hyperparameters: dict[str, Any]


@dataclass(frozen=True)
class Leaderboard:
    """A search's completed trials, best first."""

    experiment: str
    search_run_id: str
    objective: str
    direction: str
    trials: list[RankedTrial]

    def as_dict(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment,
            "search_run_id": self.search_run_id,
            "objective": self.objective,
            "direction": self.direction,
            "trials": [trial.__dict__ for trial in self.trials],
        }


def leaderboard(client: Any, search_run: Any, top: int) -> Leaderboard:
    """The `top` completed trials of `search_run`, ranked by their score."""
    params = search_run.data.params
    direction = params.get(OBJECTIVE_DIRECTION_PARAM, "max")
    children = reader.trial_runs(client, search_run.info.experiment_id, search_run.info.run_id)
    scored = [
        run
        for run in children
        if run.data.tags.get(STATUS_TAG) == "COMPLETED" and SCORE in run.data.metrics
    ]
    scored.sort(key=lambda run: run.data.metrics[SCORE], reverse=direction == "max")
    trials = [
        RankedTrial(
            rank=rank,
            trial_id=run.data.tags.get(TRIAL_ID_TAG, ""),
            run_id=run.info.run_id,
            score=run.data.metrics[SCORE],
            hyperparameters={k: parse_param(v) for k, v in sorted(run.data.params.items())},
        )
        for rank, run in enumerate(scored[:top], start=1)
    ]
    return Leaderboard(
        experiment=search_run.data.tags.get(EXPERIMENT_TAG, ""),
        search_run_id=search_run.info.run_id,
        objective=params.get(OBJECTIVE_NAME_PARAM, SCORE),
        direction=direction,
        trials=trials,
    )
