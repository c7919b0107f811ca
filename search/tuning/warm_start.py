"""Warm start: the first trial of a search runs a given configuration, the tuner goes on from it.

keras-tuner's oracles all pick a trial's values in `populate_space`; the oracle wrapper
(`search.tuning.oracle`) replaces the FIRST trial's values there with `first_values` and
leaves everything after to the tuner:
- random: the warm point is trial 0, later trials are random as usual;
- bayesian: the warm point is one of the initial points, so the Gaussian process sees it;
- grid: the grid starts at the warm point and goes on in its order from there;
- hyperband: the warm point is the first trial of the first bracket, so it first trains for
  that bracket's smallest budget (`tuner/epochs`) and goes on only if it ranks in the top
  1/factor, like any other trial.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import keras_tuner as kt

from search.errors import ConfigError
from search.tracking.schema import KERAS_TUNER_PREFIX

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WarmStart:
    values: Mapping[str, Any]
    source: str  # what the values came from, for logs and the parent run's tag


def check_warm_start(hypermodel: Any, values: Mapping[str, Any]) -> None:
    """Every value must name a hyperparameter of the experiment's space and lie within it."""
    import keras

    hp = kt.HyperParameters()
    hp.values.update(values)
    keras.backend.clear_session()
    try:
        hypermodel.build(hp)
    except Exception as error:
        raise ConfigError(f"warm start: the space cannot be built with it: {error}") from error
    declared = {entry.name: entry for entry in hp.space}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise ConfigError(
            f"warm start: '{unknown[0]}' is not a hyperparameter of space "
            f"'{hypermodel.space.name}' (a configuration from another space?)"
        )
    for name, value in values.items():
        allowed = _allowed(declared[name], value)
        if allowed:
            raise ConfigError(
                f"warm start: {name}={value!r} is outside the experiment's space ({allowed})"
            )


def _allowed(entry: Any, value: Any) -> str:
    """'' when `value` fits `entry`, else what the entry allows."""
    hps = kt.engine.hyperparameters
    if isinstance(entry, hps.Fixed):
        return "" if value == entry.value else f"fixed to {entry.value!r}"
    if isinstance(entry, hps.Boolean):
        return "" if isinstance(value, bool) else "true or false"
    if isinstance(entry, hps.Choice):
        return "" if value in entry.values else f"one of {', '.join(map(str, entry.values))}"
    if isinstance(entry, hps.Int | hps.Float):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and entry.min_value <= value <= entry.max_value:
            return ""
        return f"{entry.min_value}..{entry.max_value}"
    return ""


def first_values(
    space: kt.HyperParameters, warm: Mapping[str, Any], drawn: Mapping[str, Any]
) -> dict[str, Any]:
    """Warm values for every active hyperparameter of `space`; the values the oracle `drawn`
    for the tuner's own keys (tuner/*) kept. `search.tuning.oracle` uses them once."""
    hps = kt.HyperParameters()
    for entry in space.space:
        hps.merge([entry])
        if hps.is_active(entry):
            hps.values[entry.name] = warm.get(entry.name, entry.default)
    tuner_keys = {k: v for k, v in drawn.items() if k.startswith(KERAS_TUNER_PREFIX)}
    return {**hps.values, **tuner_keys}


def start_from(oracle: Any, warm: WarmStart) -> None:
    """Makes `oracle`'s first trial use `warm.values` (other hyperparameters: defaults)."""
    original = oracle.populate_space

    def populate_space(trial_id: str) -> dict[str, Any]:
        response = original(trial_id)
        if oracle.start_order or str(response.get("status")) != "RUNNING":
            return dict(response)
        oracle.populate_space = original  # only the first trial
        log.info("trial %s starts from the warm-start configuration (%s)", trial_id, warm.source)
        values = first_values(oracle.hyperparameters, warm.values, response["values"])
        return {**response, "values": values}

    oracle.populate_space = populate_space
