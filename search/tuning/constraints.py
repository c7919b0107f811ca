"""Which of `tuner.constraints` a trial's measured model breaks, and what the oracle hears of it.

A breach names the constraint, the measured value, the limit and by how much it is over. The
oracle hears a trial that broke one through its metrics, which carry a mark
(`search.outcome`), so that it can score it as the worst trial (`search.tuning.penalty`) in
every mode: a parallel worker's metrics reach the chief's oracle, its messages do not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from search.constraints_config import BUILT, TRAINED, ConstraintsConfig
from search.outcome import BROKE_MARK, REFUSED_MARK
from search.tracking.schema import FLOPS, LATENCY_MS, MODEL_BYTES, PARAMS

# constraint -> (the measure it limits, the measure's value in the constraint's unit)
MEASURE_OF = {
    "max_params": (PARAMS, 1.0),
    "max_flops": (FLOPS, 1.0),
    "max_latency_ms": (LATENCY_MS, 1.0),
    "max_model_mb": (MODEL_BYTES, 1e-6),
}
OVER_PREFIX = "search_over_"  # + constraint: measured / limit, for the closest-trial line

__all__ = ["BUILT", "TRAINED", "Breach", "Refused", "breaches"]


@dataclass(frozen=True)
class Breach:
    constraint: str
    value: float  # in the constraint's unit
    limit: float

    @property
    def ratio(self) -> float:
        return self.value / self.limit

    def __str__(self) -> str:
        measure = MEASURE_OF[self.constraint][0]
        return (
            f"{self.constraint}: {measure} {_number(self.value)} > {_number(self.limit)} "
            f"(+{100 * (self.ratio - 1):.1f}%)"
        )


def breaches(
    constraints: ConstraintsConfig, measures: Mapping[str, float], names: Iterable[str]
) -> list[Breach]:
    """The constraints among `names` that `measures` break (a measure not taken breaks none)."""
    limits = constraints.limits()
    found = []
    for name in names:
        measure, unit = MEASURE_OF[name]
        if name in limits and measure in measures and measures[measure] * unit > limits[name]:
            found.append(Breach(name, measures[measure] * unit, limits[name]))
    return found


def describe(found: Iterable[Breach]) -> str:
    return "; ".join(str(b) for b in found)


class Refused(Exception):
    """A built model over `max_params` or `max_flops`: it is not trained."""

    def __init__(self, measures: dict[str, float], found: list[Breach]) -> None:
        super().__init__(f"refused before training: {describe(found)}")
        self.measures = measures
        self.breaches = found


def refused_results(objective: str, refused: Refused) -> dict[str, float]:
    """What the oracle records of a refused trial: no score of its own (a placeholder the
    penalty replaces), its measures and the mark."""
    return {objective: 0.0, **_marked(refused.measures, refused.breaches, REFUSED_MARK)}


def with_metrics(results: Any, objective: str, extra: dict[str, float]) -> Any:
    """`run_trial`'s results with `extra` added at every epoch, so that the oracle records them
    with the metrics of the trial's best epoch (its best step is kept)."""
    if not extra:
        return results
    if isinstance(results, list):
        return [with_metrics(r, objective, extra) for r in results]
    if isinstance(results, dict):
        return {**results, **extra}
    if hasattr(results, "history"):  # a keras History
        epochs = len(next(iter(results.history.values()), []))
        results.history.update({name: [value] * epochs for name, value in extra.items()})
        return results
    return {objective: float(results), **extra}


def broken_marks(measures: dict[str, float], found: list[Breach]) -> dict[str, float]:
    """The measures and the mark of a trained trial that broke a constraint."""
    return _marked(measures, found, BROKE_MARK)


def _marked(measures: dict[str, float], found: list[Breach], mark: str) -> dict[str, float]:
    overs = {f"{OVER_PREFIX}{b.constraint}": b.ratio for b in found}
    return {**measures, **overs, mark: 1.0}


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 1000 or value == int(value) else f"{value:.3g}"


def refused(trial: Any) -> bool:
    """A keras-tuner trial whose model was refused before training."""
    return bool(trial.metrics.exists(REFUSED_MARK))


def penalized(trial: Any) -> bool:
    """A keras-tuner trial that was refused or broke a constraint once trained."""
    return refused(trial) or bool(trial.metrics.exists(BROKE_MARK))
