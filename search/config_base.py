"""The base of every config model, and a hyperparameter's override: the pieces that both the
experiment config and the spaces (`space.blocks` arguments) are made of."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HyperparameterOverride(Strict):
    """Narrows or fixes one hyperparameter of a space: `fixed`, `values`, or `min`/`max`."""

    fixed: Any = None
    values: list[Any] | None = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    sampling: Literal["linear", "log", "reverse_log"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """A bare scalar fixes the value; a bare list gives the choices."""
        if isinstance(data, list):
            return {"values": data}
        if not isinstance(data, dict):
            return {"fixed": data}
        return data

    @model_validator(mode="after")
    def _one_form(self) -> HyperparameterOverride:
        forms = [self.fixed is not None, self.values is not None, self.is_range]
        if sum(forms) != 1:
            raise ValueError("give exactly one of `fixed`, `values`, or `min` and `max`")
        if self.is_range:
            if self.min is None or self.max is None:
                raise ValueError("a range needs both `min` and `max`")
            if self.min > self.max:
                raise ValueError(
                    f"`min <= max` must hold, but got (min={self.min}, max={self.max})"
                )
            if self.sampling == "log" and self.min <= 0:
                raise ValueError(f"log sampling needs `min > 0`, but got min={self.min}")
        elif self.step is not None or self.sampling is not None:
            raise ValueError("`step` and `sampling` only go with `min` and `max`")
        if self.values is not None and not self.values:
            raise ValueError("`values` must not be empty")
        return self

    @property
    def is_range(self) -> bool:
        return self.min is not None or self.max is not None


# Values no space can use, by the last part of a hyperparameter's name: (low, high, notation).
# A rate of 1 drops every unit; a learning rate must be positive.
HARD_LIMITS: dict[str, tuple[float, float, str]] = {
    "dropout": (0.0, 1.0, "[0, 1)"),
    "learning_rate": (0.0, float("inf"), "(0, inf)"),
}


def _within(name: str, value: float) -> bool:
    low, high, _ = HARD_LIMITS[name]
    return (low <= value < high) if name == "dropout" else (low < value < high)


def check_hard_limits(name: str, override: HyperparameterOverride) -> None:
    """A `ValueError` naming the rule and the value when an override leaves the valid range."""
    leaf = name.rsplit("/", 1)[-1]
    kind = next((k for k in HARD_LIMITS if leaf == k or leaf.endswith(f"_{k}")), None)
    if kind is None:
        return
    candidates = {"fixed": override.fixed, "min": override.min, "max": override.max}
    candidates.update({f"values[{i}]": v for i, v in enumerate(override.values or [])})
    for label, value in candidates.items():
        if isinstance(value, int | float) and not _within(kind, float(value)):
            raise ValueError(
                f"'{name}' must lie in {HARD_LIMITS[kind][2]}, but got {label}={value}"
            )
