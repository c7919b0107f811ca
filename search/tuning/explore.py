"""Builds a space under several assignments until every hyperparameter it can declare is seen.

Conditional hyperparameters (a block's filters past the chosen depth, `groups` only with
group normalization) appear only in builds that activate them; each new discrete
hyperparameter's other values are tried in turn, breadth first, within a build budget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import keras_tuner as kt

from search.errors import ConfigError


def explore(
    build: Callable[[kt.HyperParameters], Any],
    space_name: str,
    max_builds: int = 64,
    enough: Callable[[set[str]], bool] = lambda seen: False,
) -> dict[str, Any]:
    """Every hyperparameter entry the builds declared, by name (stops early once `enough`).

    A build that fails is a ConfigError naming the assignment that broke it.
    """
    entries: dict[str, Any] = {}
    frontier: list[dict[str, Any]] = [{}]
    builds = 0
    while frontier and builds < max_builds:
        assignment = frontier.pop(0)
        hp = kt.HyperParameters()
        hp.values.update(assignment)
        try:
            build(hp)
        except ConfigError:  # an override that does not fit its declaration, said as such
            raise
        except Exception as error:
            raise ConfigError(
                f"space '{space_name}' cannot be built with the experiment's "
                f"hyperparameters {dict(assignment) or ''}: {error}"
            ) from error
        builds += 1
        new = [entry for entry in hp.space if entry.name not in entries]
        entries.update({entry.name: entry for entry in new})
        if enough(set(entries)):
            break
        for entry in new:
            for value in other_values(entry, hp.values.get(entry.name)):
                frontier.append({**assignment, entry.name: value})
    # Once, not per build: the garbage collection inside `clear_session` cost more than
    # the builds themselves (64 builds: about 4x slower).
    keras.backend.clear_session()
    return entries


def other_values(entry: Any, current: Any, limit: int = 8) -> list[Any]:
    """The values of a discrete hyperparameter other than `current` (none for wide ranges)."""
    if isinstance(entry, kt.engine.hyperparameters.Boolean):
        values: list[Any] = [True, False]
    elif hasattr(entry, "values"):
        values = list(entry.values)
    elif isinstance(entry, kt.engine.hyperparameters.Int):
        values = list(range(entry.min_value, entry.max_value + 1, entry.step or 1))
        if len(values) > limit:
            return []
    else:
        return []
    return [v for v in values if v != current]
