"""What a space will search, before any training: every hyperparameter, and model sizes.

`search space show` prints this, so the names a search logs to MLflow can be read first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import keras_tuner as kt

from search.errors import ConfigError
from search.experiment import Experiment
from search.tuning.explore import explore
from search.tuning.hypermodel import SpaceHyperModel, check_overrides
from search.tuning.inferred_task import settled
from search.tuning.prepare import prepare

HP = kt.engine.hyperparameters


@dataclass(frozen=True)
class HyperparameterLine:
    name: str
    values: str  # e.g. "one of 16, 32" or "int 1..3"
    condition: str  # "" when always active


@dataclass(frozen=True)
class SpaceSummary:
    space: str
    hyperparameters: list[HyperparameterLine]
    smallest: int  # parameters of the smallest model found
    largest: int

    def lines(self) -> list[str]:
        width = max(len(h.name) for h in self.hyperparameters) + 2
        rows = [
            f"  {h.name:<{width}}{h.values}"
            + (f"   (only if {h.condition})" if h.condition else "")
            for h in self.hyperparameters
        ]
        return [
            f"space {self.space}: {len(rows)} hyperparameters",
            *rows,
            f"parameters: smallest model {self.smallest:,}, largest model {self.largest:,}",
        ]


def show_space(experiment: Experiment) -> SpaceSummary:
    """The summary of an experiment's space on its dataset, overrides checked first."""
    _, hypermodel = prepare(settled(experiment))
    check_overrides(hypermodel)
    return summarize(hypermodel)


def summarize(hypermodel: SpaceHyperModel) -> SpaceSummary:
    """Every hyperparameter the space can declare, and the smallest and largest model.

    Sizes come from builds with every number at its minimum, then at its maximum, each
    also with every value of each other choice in turn (no training, no weights kept).
    """
    entries = explore(hypermodel.build, hypermodel.space.name)
    counts = [_count(hypermodel, values) for values in _assignments(entries)]
    keras.backend.clear_session()
    lines = [HyperparameterLine(e.name, describe(e), condition(e)) for e in entries.values()]
    return SpaceSummary(hypermodel.space.name, lines, min(counts), max(counts))


def describe(entry: Any) -> str:
    """A hyperparameter's values as `space show` prints them."""
    if isinstance(entry, HP.Boolean):
        return "true or false"
    if isinstance(entry, HP.Fixed):
        return f"fixed {entry.value}"
    if isinstance(entry, HP.Choice):
        return "one of " + ", ".join(str(v) for v in entry.values)
    kind = "int" if isinstance(entry, HP.Int) else "float"
    text = f"{kind} {entry.min_value}..{entry.max_value}"
    if entry.step and not (kind == "int" and entry.step == 1):
        text += f", step {entry.step}"
    return text + (f", {entry.sampling} sampling" if entry.sampling != "linear" else "")


def condition(entry: Any) -> str:
    """`parent = value` or `parent in a, b`, joined by `and` when nested."""
    return " and ".join(
        f"{c.name} = {c.values[0]}"
        if len(c.values) == 1
        else f"{c.name} in {', '.join(str(v) for v in c.values)}"
        for c in entry.conditions
    )


def _assignments(entries: dict[str, Any]) -> list[dict[str, Any]]:
    """All sizes at their minimum, then maximum; each also with each other choice in turn."""
    found = []
    for end in (min, max):
        base = {n: _extreme(e, end) for n, e in entries.items() if _is_size(e)}
        found.append(base)
        for name, entry in entries.items():
            if not _is_size(entry):
                found += [{**base, name: value} for value in _values(entry)]
    return found


def _count(hypermodel: SpaceHyperModel, values: dict[str, Any]) -> int:
    hp = kt.HyperParameters()
    hp.values.update(values)
    try:
        return int(hypermodel.build(hp).count_params())
    except Exception as error:
        raise ConfigError(
            f"space '{hypermodel.space.name}' cannot be built with {values}: {error}"
        ) from error


def _is_size(entry: Any) -> bool:
    """A number: Int, Float, or a Choice of numbers (ordered)."""
    if isinstance(entry, HP.Boolean | HP.Fixed):
        return False
    if isinstance(entry, HP.Choice):
        return all(type(v) in (int, float) for v in entry.values)
    return True


def _extreme(entry: Any, end: Any) -> Any:
    if isinstance(entry, HP.Choice):
        return end(entry.values)
    return entry.min_value if end is min else entry.max_value


def _values(entry: Any) -> list[Any]:
    if isinstance(entry, HP.Boolean):
        return [False, True]
    if isinstance(entry, HP.Choice):
        return list(entry.values)
    return []
