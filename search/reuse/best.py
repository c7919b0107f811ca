"""The best trials of a search, ranked by the objective the search optimised, from MLflow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from search.reuse.sources import PARENT_TAG, parse_param


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
    direction = params.get("tuner.objective.direction", "max")
    children = client.search_runs(
        [search_run.info.experiment_id],
        filter_string=f"tags.`{PARENT_TAG}` = '{search_run.info.run_id}'",
        max_results=50_000,
    )
    scored = [
        run
        for run in children
        if run.data.tags.get("search.status") == "COMPLETED" and "score" in run.data.metrics
    ]
    scored.sort(key=lambda run: run.data.metrics["score"], reverse=direction == "max")
    trials = [
        RankedTrial(
            rank=rank,
            trial_id=run.data.tags.get("search.trial_id", ""),
            run_id=run.info.run_id,
            score=run.data.metrics["score"],
            hyperparameters={k: parse_param(v) for k, v in sorted(run.data.params.items())},
        )
        for rank, run in enumerate(scored[:top], start=1)
    ]
    return Leaderboard(
        experiment=search_run.data.tags.get("search.experiment", ""),
        search_run_id=search_run.info.run_id,
        objective=params.get("tuner.objective.name", "score"),
        direction=direction,
        trials=trials,
    )
