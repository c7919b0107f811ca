"""A pydantic validation error as the one line a user reads: where, what, and a suggestion."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from search.config_base import HyperparameterOverride


def describe_validation_error(error: ValidationError, root: type[BaseModel]) -> str:
    """The first problem as one line: where, what, and for unknown keys the closest valid key
    (among the keys of the model under `root` where the problem is)."""
    first = error.errors()[0]
    loc = [str(part) for part in first["loc"]]
    where = ".".join(loc) or "(top level)"
    more = error.error_count() - 1
    suffix = f" (and {more} more problem{'s' * (more > 1)})" if more else ""
    if first["type"] == "extra_forbidden":
        valid = _field_names_at(root, first["loc"][:-1])
        close = difflib.get_close_matches(loc[-1], valid, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(valid)}"
        return f"unknown key '{where}'{hint}{suffix}"
    message = first["msg"].removeprefix("Value error, ")
    value = first.get("input")
    shown = "" if isinstance(value, dict | list) or value is None else f" (got {value!r})"
    return f"{where}: {message}{shown}{suffix}"


def _field_names_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The valid keys of the nested model that `loc` points into."""
    current: Any = model
    for part in loc:
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            if isinstance(current, type) and issubclass(current, HyperparameterOverride):
                continue
            return []
        current = _model_of(fields[part].annotation)
    fields = getattr(current, "model_fields", None)
    return sorted(fields) if fields else []


def _model_of(annotation: Any) -> Any:
    """The BaseModel inside an annotation such as `dict[str, M]` or `M | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
