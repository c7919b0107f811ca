"""Repeated configurations: counted for benchmarks, avoided where the oracle allows it.

keras-tuner's Bayesian oracle can propose values it already tried (keras-tuner #608): the
Gaussian process's optimum sits on a point it has seen, and a repeat costs a whole trial for
nothing new. The random oracle already draws until its values are new.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import keras_tuner as kt

from search.tuning import keras_tuner_internals as internals

log = logging.getLogger(__name__)

MAX_REASKS = 1  # a GP fit each; then random values the oracle has not tried


def count_repeats(configurations: Iterable[Mapping[str, Any]]) -> int:
    """How many configurations equal one earlier in the sequence (trial values, in order)."""
    seen: set[tuple[tuple[str, str], ...]] = set()
    repeats = 0
    for values in configurations:
        key = tuple(sorted((name, repr(value)) for name, value in values.items()))
        repeats += key in seen
        seen.add(key)
    return repeats


def oracle_repeats(oracle: Any) -> int:
    """Repeats among an oracle's trials, in the order they started."""
    trials = [oracle.trials[t] for t in oracle.start_order if t in oracle.trials]
    return count_repeats(t.hyperparameters.values for t in trials)


def avoid_repeats(oracle: Any, max_reasks: int = MAX_REASKS) -> bool:
    """Makes a Bayesian oracle's `populate_space` ask again (`max_reasks` times) when it
    proposes tried values, then take untried random ones. Returns whether it was installed:
    other oracles repeat on purpose (Hyperband continues a trial with its own values) or
    never (random, grid)."""
    if not isinstance(oracle, kt.oracles.BayesianOptimizationOracle):
        return False
    original = oracle.populate_space

    def populate_space(trial_id: str) -> dict[str, Any]:
        response = original(trial_id)
        for _ in range(max_reasks):
            if not _repeats(oracle, response):
                return dict(response)
            response = original(trial_id)
        if _repeats(oracle, response):
            values = internals.random_values(oracle)
            if values is not None:
                log.info(
                    "trial %s: the oracle proposed tried values; random ones instead", trial_id
                )
                return {**response, "values": values}
        return dict(response)

    oracle.populate_space = populate_space
    return True


def _repeats(oracle: Any, response: Mapping[str, Any]) -> bool:
    values = response.get("values")
    if str(response.get("status")) != "RUNNING" or not values:
        return False
    return internals.already_tried(oracle, dict(values))
