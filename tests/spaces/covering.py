"""Few builds of a space that, together, use every value of every discrete hyperparameter.

Conditional hyperparameters (e.g. `groups`, only with group normalization) appear once a
build activates them; the next builds then cover their values too, with the parent value
their condition needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import keras
import keras_tuner as kt

from search.tuning.hypermodel import SpaceHyperModel

MAX_INT_VALUES = 4  # an Int with at most this many values counts as a choice


def choices(entry: Any) -> list[Any]:
    """The values of a discrete hyperparameter, or [] for a wide or continuous range."""
    if isinstance(entry, kt.engine.hyperparameters.Boolean):
        return [False, True]
    if isinstance(entry, kt.engine.hyperparameters.Choice):
        return list(entry.values)
    if isinstance(entry, kt.engine.hyperparameters.Int):
        values = list(range(entry.min_value, entry.max_value + 1, entry.step or 1))
        return values if len(values) <= MAX_INT_VALUES else []
    return []


def covering_builds(
    hypermodel: SpaceHyperModel, entries: dict[str, Any]
) -> Iterator[tuple[dict[str, Any], Any]]:
    """Yields (active values, model) until every (name, value) pair was built once.

    `entries` collects every hyperparameter seen, by name (the caller's dict is filled in).
    """
    pending: set[tuple[str, Any]] = set()
    values: dict[str, Any] = {}
    wanted: tuple[str, Any] | None = None
    while True:
        keras.backend.clear_session()
        hp = kt.HyperParameters()
        hp.values.update(values)
        model = hypermodel.build(hp)
        for entry in hp.space:
            if entry.name not in entries:
                entries[entry.name] = entry
                pending |= {(entry.name, v) for v in choices(entry)}
        active = {e.name: hp.values[e.name] for e in hp.space if hp.is_active(e)}
        pending -= set(active.items())
        assert wanted is None or wanted not in pending, f"{wanted} did not become active"
        yield active, model
        if not pending:
            return
        wanted = min(pending, key=repr)
        values = _next_values(wanted, pending, entries)


def _next_values(
    wanted: tuple[str, Any], pending: set[tuple[str, Any]], entries: dict[str, Any]
) -> dict[str, Any]:
    """The wanted pair with the parent values it needs, then pending values for the rest."""
    name, value = wanted
    values = {name: value}
    for condition in entries[name].conditions:
        values[condition.name] = condition.values[-1]
    for other, entry in entries.items():
        left = [v for v in choices(entry) if (other, v) in pending]
        if other not in values and left:
            values[other] = left[0]
    return values
