"""The Bayesian tuner with several objectives: ParEGO (Knowles 2006).

keras-tuner's Bayesian oracle fits one Gaussian process to one score. With `tuner.objectives`,
each proposal fits it instead to a random scalarization of all of them, so that successive
proposals aim at different parts of the Pareto front:
- weights drawn uniformly from the simplex, seeded by the tuner's seed and the trial's number
  (a seed gives the same weights, whichever process proposes);
- each objective normalized over the completed trials that met the constraints to [0, 1],
  0 the best (direction-aware); a refused or constraint-broken trial is the worst (1 on every
  objective); a trial missing a value is left out;
- score = max_i(w_i f_i) + 0.05 sum_i(w_i f_i), minimized.
Only that proposal's Gaussian process sees these scores: the trials' own scores, and
keras-tuner's best trial, stay on the first objective.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Sequence
from typing import Any

import keras_tuner as kt
import numpy as np

from search.objectives_config import ObjectiveConfig
from search.tuning import keras_tuner_internals as internals
from search.tuning.events import relay
from search.tuning.objective_values import values_of
from search.tuning.penalty import penalized

log = logging.getLogger(__name__)

RHO = 0.05  # the augmented Chebyshev term's weight (Knowles 2006)
WORST = 1.0  # a normalized objective's worst value


def weights(seed: int, trial_id: str, count: int) -> list[float]:
    """`count` weights uniform on the simplex (Dirichlet(1, ..., 1)), the same for a seed and
    trial id."""
    number = int(trial_id) if trial_id.isdigit() else zlib.crc32(trial_id.encode())
    rng = np.random.default_rng([abs(seed), number])
    return [float(w) for w in rng.dirichlet(np.ones(count))]


def scalarize(costs: Sequence[float], weights: Sequence[float]) -> float:
    """The augmented Chebyshev scalarization of normalized costs (0 best, 1 worst)."""
    weighted = [w * f for w, f in zip(weights, costs, strict=True)]
    return max(weighted) + RHO * sum(weighted)


def normalized(
    values: dict[str, list[float]], objectives: Sequence[ObjectiveConfig]
) -> dict[str, list[float]]:
    """Each objective's values rescaled to [0, 1] over `values` (trial id -> one value per
    objective), 0 the best; an objective where all trials agree is 0 for all."""
    columns = list(zip(*values.values(), strict=True)) if values else []
    ranges = [(min(column), max(column)) for column in columns]
    costs: dict[str, list[float]] = {}
    for trial_id, row in values.items():
        costs[trial_id] = [
            _cost(v, low, high, o.direction)
            for v, (low, high), o in zip(row, ranges, objectives, strict=True)
        ]
    return costs


def _cost(value: float, low: float, high: float, direction: str) -> float:
    if high <= low:
        return 0.0
    return (high - value if direction == "max" else value - low) / (high - low)


def trial_costs(
    trials: Sequence[Any], objectives: Sequence[ObjectiveConfig]
) -> dict[str, list[float]]:
    """Normalized costs of the completed trials a proposal learns from: those that met the
    constraints rescaled among themselves, a penalized one the worst, one missing a value out."""
    met: dict[str, list[float]] = {}
    worst: dict[str, list[float]] = {}
    for trial in trials:
        if str(trial.status) != "COMPLETED":
            continue
        if penalized(trial):
            worst[trial.trial_id] = [WORST] * len(objectives)
        elif (found := values_of(trial, objectives)) is not None:
            met[trial.trial_id] = found
    return {**normalized(met, objectives), **worst}


def describe(objectives: Sequence[ObjectiveConfig], drawn: Sequence[float]) -> str:
    """`val_accuracy 0.31, params 0.69`: a trial run's tag."""
    return ", ".join(f"{o.name} {w:.2f}" for o, w in zip(objectives, drawn, strict=True))


class ParEGO:
    """Installed on a Bayesian oracle (`install`); remembers the weights of each proposal its
    Gaussian process made (`proposed`)."""

    def __init__(self, oracle: Any, objectives: Sequence[ObjectiveConfig], seed: int) -> None:
        self.oracle = oracle
        self.objectives = list(objectives)
        self.seed = seed
        self.proposed: dict[str, list[float]] = {}
        self.proposing: str | None = None  # the trial whose values the oracle is choosing
        original = oracle.populate_space

        def populate_space(trial_id: str) -> dict[str, Any]:
            self.proposing = trial_id
            try:
                return dict(original(trial_id))
            finally:
                self.proposing = None

        oracle.populate_space = populate_space
        internals.fit_gp_to(oracle, self.scores)

    def scores(self, trials: list[Any]) -> dict[str, float]:
        """The scalarized score of each trial, under the weights of the trial being proposed."""
        trial_id = self.proposing or str(len(self.oracle.trials))
        drawn = weights(self.seed, trial_id, len(self.objectives))
        costs = trial_costs(trials, self.objectives)
        if costs and trial_id not in self.proposed:  # (asked again: the same weights)
            self.proposed[trial_id] = drawn
            log.info("trial %s: proposed for %s", trial_id, describe(self.objectives, drawn))
        return {t: scalarize(c, drawn) for t, c in costs.items()}

    def tell(self, listeners: Sequence[Any], trial_id: str) -> None:
        """Listeners hear the weights a proposed trial was made under as a `trial_measured`
        note `parego` (the tracker's tag `search.parego_weights`); a random trial has none."""
        note = self.note(trial_id)
        if note is not None:
            relay(listeners, "trial_measured", trial_id, {}, {"parego": note})

    def note(self, trial_id: str) -> str | None:
        """The weights `trial_id` was proposed under, as its run's tag; None for a random one."""
        drawn = self.proposed.get(trial_id)
        return None if drawn is None else describe(self.objectives, drawn)


def install(oracle: Any, objectives: Sequence[ObjectiveConfig], seed: int) -> ParEGO | None:
    """ParEGO on a Bayesian oracle given several objectives; None otherwise (a random search
    and ASHA need no scalarization: they work on the front as they are)."""
    if len(objectives) < 2 or not isinstance(oracle, kt.oracles.BayesianOptimizationOracle):
        return None
    return ParEGO(oracle, objectives, seed)
