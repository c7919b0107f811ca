"""Applies an experiment's hyperparameter overrides where the space declares them.

Overrides replace a declaration at the moment the space makes it, so a narrowed or fixed
hyperparameter keeps its name scope and its conditions (a range given before the build
would lose them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras_tuner as kt

from search.errors import ConfigError
from search.experiment import HyperparameterOverride
from search.tuning.keras_tuner_internals import scoped_name


class OverridingHyperParameters:
    """Wraps a trial's `HyperParameters`; declarations named in `overrides` are replaced."""

    def __init__(
        self, hp: kt.HyperParameters, overrides: Mapping[str, HyperparameterOverride]
    ) -> None:
        self._hp = hp
        self._overrides = overrides
        self.declared: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hp, name)

    def _replace(self, name: str, kind: str, declare: Any, **kwargs: Any) -> Any:
        full_name = scoped_name(self._hp, name)  # keras-tuner's own scoping rule
        self.declared.add(full_name)
        override = self._overrides.get(full_name)
        if override is None:
            return declare(name, **kwargs)
        check_fits(full_name, kind, override, kwargs)
        if override.fixed is not None:
            return self._hp.Fixed(name, override.fixed)
        if override.values is not None:
            return self._hp.Choice(name, list(override.values), ordered=_sortable(override.values))
        low, high = override.min, override.max
        assert low is not None and high is not None  # a range, by elimination
        if kind == "int":
            return self._hp.Int(
                name,
                int(low),
                int(high),
                step=int(override.step or 1),
                sampling=override.sampling or kwargs.get("sampling") or "linear",
            )
        return self._hp.Float(
            name,
            float(low),
            float(high),
            step=override.step,
            sampling=override.sampling or kwargs.get("sampling") or "linear",
        )

    def Int(self, name: str, min_value: int, max_value: int, **kwargs: Any) -> Any:  # noqa: N802
        return self._replace(
            name, "int", self._hp.Int, min_value=min_value, max_value=max_value, **kwargs
        )

    def Float(self, name: str, min_value: float, max_value: float, **kwargs: Any) -> Any:  # noqa: N802
        return self._replace(
            name, "float", self._hp.Float, min_value=min_value, max_value=max_value, **kwargs
        )

    def Choice(self, name: str, values: list[Any], **kwargs: Any) -> Any:  # noqa: N802
        return self._replace(name, "choice", self._hp.Choice, values=values, **kwargs)

    def Boolean(self, name: str, **kwargs: Any) -> Any:  # noqa: N802
        return self._replace(name, "boolean", self._hp.Boolean, **kwargs)

    def Fixed(self, name: str, value: Any, **kwargs: Any) -> Any:  # noqa: N802
        return self._replace(name, "fixed", self._hp.Fixed, value=value, **kwargs)


def check_fits(
    name: str, kind: str, override: HyperparameterOverride, declared: Mapping[str, Any]
) -> None:
    """A ConfigError when an override's value cannot stand for what the space declares: text
    for a number, or a word the space's choices do not hold (new numbers for a numeric
    choice are fine: `units: [256]` widens a choice)."""
    given = [override.fixed] if override.fixed is not None else list(override.values or [])
    where = f"space.hyperparameters.{name}"
    if kind in ("int", "float"):
        span = f"{declared['min_value']}..{declared['max_value']}"
        for value in given:
            if not _is_number(value):
                raise ConfigError(
                    f"{where}: {value!r} is not a number; the space's range is {span}"
                )
    elif kind == "choice":
        choices = list(declared["values"])
        numeric = all(_is_number(c) for c in choices)
        shown = ", ".join(map(str, choices))
        if override.is_range and not numeric:
            raise ConfigError(f"{where}: a choice takes values, not a range; choices: {shown}")
        for value in given:
            if value not in choices and not (numeric and _is_number(value)):
                raise ConfigError(f"{where}: {value!r} is not one of the space's choices: {shown}")
    elif kind == "boolean":
        for value in given:
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: {value!r} is not true or false")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _sortable(values: list[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
