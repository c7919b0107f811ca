"""`tuner.objective`, `tuner.objectives` and `tuner.champion`: what a search optimizes, and
which of its trials becomes the registered champion.

One objective is what keras-tuner knows. Several (`objectives: [{name: val_accuracy,
direction: max}, {name: latency_ms, direction: min}]`) keep the Pareto front of the completed
trials (`search.pareto`); the first one is the learning objective (`tuner.objective`), the
others may be any metric the model reports or a measure of the trained model (`MEASURED`).
Kept apart from `search.experiment` (which imports it) so that the config stays one module a
job.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from search.config_base import Strict
from search.tracking.schema import FLOPS, LATENCY_MS, LATENCY_MS_BATCH32, MODEL_BYTES, PARAMS
from search.tuning.task import default_direction

Direction = Literal["max", "min"]
# Measures of a trial's model (search.tuning.measure), always better smaller.
MEASURED = (PARAMS, FLOPS, MODEL_BYTES, LATENCY_MS, LATENCY_MS_BATCH32)
# Known as soon as the model is built, before it trains: early stopping spares a trial these
# place on the front (issue 19, part 4).
BUILT_MEASURES = (PARAMS, FLOPS)


class ObjectiveConfig(Strict):
    name: str = "val_accuracy"
    direction: Direction = "max"

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        """`objective: val_loss` is enough: the direction follows from the metric name
        (measures such as `latency_ms` are minimized)."""
        if isinstance(data, str):
            return {"name": data, "direction": direction_of(data)}
        if isinstance(data, dict) and "name" in data and "direction" not in data:
            return {**data, "direction": direction_of(data["name"])}
        return data

    @property
    def measured(self) -> bool:
        """A measure of the trained model, not a metric its training reports."""
        return self.name in MEASURED


def direction_of(name: str) -> Direction:
    return "min" if name in MEASURED else default_direction(name)


ChampionRule = Literal["best", "cheapest_within"]


class ChampionConfig(Strict):
    """`best`: the trial best by the first objective (among those that meet the constraints).
    `cheapest_within`: among the trials within `within` of that best value (in the first
    objective's units: 0.005 is half a point of accuracy), the one best by `by`."""

    rule: ChampionRule = "best"
    within: float = Field(0.005, ge=0.0, description="cheapest_within: distance to the best")
    by: str | None = Field(
        None,
        description="cheapest_within: the objective or measure to minimize "
        "(unset: the second of tuner.objectives)",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_rule(cls, data: Any) -> Any:
        """`champion: best` is enough."""
        return {"rule": data} if isinstance(data, str) else data


class ObjectivesFields(Strict):
    """The tuner's fields for what it optimizes (`TunerConfig` has them)."""

    objective: ObjectiveConfig = ObjectiveConfig()
    objectives: list[ObjectiveConfig] = Field(
        default_factory=list, description="two or more: keep the Pareto front (first: objective)"
    )
    champion: ChampionConfig = ChampionConfig()

    @model_validator(mode="before")
    @classmethod
    def _first_is_the_objective(cls, data: Any) -> Any:
        """With `objectives`, `objective` is their first (given or not)."""
        if not isinstance(data, dict) or not data.get("objectives"):
            return data
        first = ObjectiveConfig.model_validate(data["objectives"][0])
        given = data.get("objective")
        if given is not None and ObjectiveConfig.model_validate(given) != first:
            raise ValueError(
                f"objective {ObjectiveConfig.model_validate(given).name!r} must be the first of "
                f"objectives ({first.name!r}), or left out"
            )
        return {**data, "objective": first.model_dump()}

    @model_validator(mode="after")
    def _objectives_make_sense(self) -> ObjectivesFields:
        names = [o.name for o in self.objectives]
        if len(names) == 1:
            raise ValueError("objectives needs two or more; for one, use objective")
        if len(set(names)) != len(names):
            raise ValueError(f"objectives repeats a name: {', '.join(names)}")
        if self.objectives and self.objectives[0].measured:
            raise ValueError(
                f"the first of objectives must be a metric training reports (e.g. val_accuracy),"
                f" not the measure {names[0]!r}"
            )
        if self.champion.rule == "cheapest_within" and self.champion_by is None:
            raise ValueError("tuner.champion cheapest_within needs `by` (or a second objective)")
        return self

    @property
    def several(self) -> bool:
        """Several objectives: the search keeps a Pareto front."""
        return len(self.objectives) > 1

    @property
    def all_objectives(self) -> list[ObjectiveConfig]:
        """Every objective, the first being `objective` (one when not several)."""
        return list(self.objectives) if self.several else [self.objective]

    @property
    def champion_by(self) -> ObjectiveConfig | None:
        """What `cheapest_within` minimizes (or maximizes, for a metric such as val_auc)."""
        if self.champion.by is not None:
            named = {o.name: o for o in self.objectives}
            return named.get(self.champion.by, ObjectiveConfig.model_validate(self.champion.by))
        return self.objectives[1] if self.several else None
