"""The champion: which trial becomes the registered model (`tuner.champion`), and the Pareto
front of the trials it is chosen from when a search has several objectives.

Eligible trials are the completed ones that met every constraint and trained furthest (a trial
stopped after 2 epochs never beats one trained for 20 on a noisy early score), best first by
the learning objective. `best` takes the first; `cheapest_within` the best by `champion_by`
among those within `within` of the best value, ties going to the better learning objective.
With several objectives its candidates are the front's members, so the champion is always on
the front (also when `by` is a measure that is not one of the objectives).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from search.objectives_config import ObjectiveConfig, ObjectivesFields
from search.pareto import front
from search.tuning.objective_values import value_of, values_of
from search.tuning.penalty import choose_best, meeting_trials
from search.tuning.stopping import fidelity

log = logging.getLogger(__name__)

TOLERANCE = 1e-9  # 0.9852 - 0.9802 is 0.0050000000000000044 in floats: still within 0.005


@dataclass(frozen=True)
class Champion:
    trial: Any  # the keras-tuner trial the rule chose
    note: str  # the rule and its numbers: the parent run's tag, the version's description
    eligible: tuple[Any, ...]  # the trials it was chosen from, best first

    @property
    def trial_id(self) -> str:
        return str(self.trial.trial_id)


@dataclass(frozen=True)
class FrontRow:
    """One eligible trial with every objective's value, for the report's CSV and chart."""

    trial_id: str
    values: tuple[float, ...]
    on_front: bool
    champion: bool


def choose_champion(tuner: Any, config: ObjectivesFields, records: list[Any]) -> Champion:
    """The search's champion under its constraints and `tuner.champion`; raises SearchError
    (through `choose_best`) when no completed trial met the constraints."""
    choose_best(tuner, records)
    return choose(eligible(tuner.oracle), config)


def eligible(oracle: Any) -> list[Any]:
    """The trials a champion may be: met the constraints, trained furthest, best first."""
    met = meeting_trials(oracle)
    furthest = max((fidelity(t) for t in met), default=0.0)
    return [t for t in met if fidelity(t) == furthest]


def choose(ranked: Sequence[Any], config: ObjectivesFields) -> Champion:
    """`config.champion`'s pick among `ranked` (eligible trials, best first; not empty)."""
    best, first = ranked[0], config.objective
    best_value = value_of(best, first, first)
    by = config.champion_by
    if config.champion.rule == "best" or by is None or best_value is None:
        return Champion(
            best,
            f"tuner.champion rule best: trial {best.trial_id}, {first.name} {_number(best_value)}",
            tuple(ranked),
        )
    close = [t for t in ranked if _within(value_of(t, first, first), best_value, config)]
    if config.several:
        members = on_front(ranked, config.all_objectives)
        close = [t for t in close if str(t.trial_id) in members] or close
    valued = [(t, v) for t in close if (v := value_of(t, by, first)) is not None]
    rule = f"tuner.champion rule cheapest_within {config.champion.within:g} by {by.name}"
    if not valued:
        log.warning(
            "no trial within %g of the best has %s: the best trial is chosen",
            config.champion.within,
            by.name,
        )
        return Champion(
            best,
            f"{rule}: no trial had {by.name}, so trial {best.trial_id}, the "
            f"best {first.name} {_number(best_value)}",
            tuple(ranked),
        )
    pick = (min if by.direction == "min" else max)(valued, key=lambda pair: pair[1])
    trial, value = pick
    if trial is best:
        detail = f"the best {first.name} too, {_number(best_value)}"
    else:
        detail = (
            f"best {first.name} {_number(best_value)}, trial {best.trial_id}; "
            f"trial {trial.trial_id} {_number(value_of(trial, first, first))}"
        )
    note = f"{rule}: trial {trial.trial_id}, {by.name} {_number(value)} ({detail})"
    return Champion(trial, note, tuple(ranked))


def on_front(trials: Sequence[Any], objectives: Sequence[ObjectiveConfig]) -> set[str]:
    """Ids of the trials on the Pareto front (a trial missing a value is on no front)."""
    return {row.trial_id for row in front_rows(trials, objectives) if row.on_front}


def front_rows(
    trials: Sequence[Any], objectives: Sequence[ObjectiveConfig], champion_id: str = ""
) -> list[FrontRow]:
    """Every trial with all objectives' values, marked on the front and as the champion."""
    valued = [(t, v) for t in trials if (v := values_of(t, objectives)) is not None]
    members = set(front([v for _, v in valued], [o.direction for o in objectives]))
    return [
        FrontRow(str(t.trial_id), tuple(v), i in members, str(t.trial_id) == champion_id)
        for i, (t, v) in enumerate(valued)
    ]


def _within(value: float | None, best: float, config: ObjectivesFields) -> bool:
    return value is not None and abs(value - best) <= config.champion.within + TOLERANCE


def _number(value: float | None) -> str:
    """Accuracy-like values with 4 decimals, counts whole, anything else with 4 digits."""
    if value is None:
        return "n/a"
    if float(value).is_integer() and abs(value) >= 1:
        return str(int(value))
    return f"{value:.4f}" if abs(value) < 1 else f"{value:.4g}"
