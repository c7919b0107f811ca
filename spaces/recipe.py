"""A space written in the experiment file (`space.blocks`), read into a checked recipe.

Each entry is `{kind: {argument: value, ...}}`, a kind being a block of `spaces/blocks.py`
(see `catalogue.py`), `residual` or `repeat`. An argument is fixed (a scalar), a choice (a
list) or a range (`{min, max, step, sampling}`), as under `space.hyperparameters`. Every
problem is one `ConfigError` line naming the block's position, kind and scope, with the
closest valid name for a misspelling.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from search.errors import ConfigError
from search.experiment import HyperparameterOverride
from spaces.blocks import Normalization
from spaces.catalogue import CATALOGUE, Argument

COMBINERS = ("residual", "repeat")
NAME = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Block:
    """One block of the catalogue: its hyperparameters live under `scope`."""

    kind: str
    scope: str
    where: str
    arguments: dict[str, HyperparameterOverride]


@dataclass(frozen=True)
class Residual:
    """`blocks` added to their input, then normalized with `norm`."""

    scope: str
    where: str
    blocks: tuple[Node, ...]
    norm: HyperparameterOverride


@dataclass(frozen=True)
class Repeat:
    """`blocks` repeated `times` (tunable); copy r's hyperparameters live under `scope/r`."""

    scope: str
    where: str
    blocks: tuple[Node, ...]
    times: HyperparameterOverride

    def counts(self) -> list[int]:
        """Every number of copies `times` allows."""
        return int_values(self.times)


Node = Block | Residual | Repeat


def int_values(override: HyperparameterOverride) -> list[int]:
    """The integers a fixed value, a choice or an integer range allows."""
    if override.fixed is not None:
        return [int(override.fixed)]
    if override.values is not None:
        return [int(v) for v in override.values]
    assert override.min is not None and override.max is not None
    return list(range(int(override.min), int(override.max) + 1, int(override.step or 1)))


def parse_blocks(raw: list[Any]) -> tuple[Node, ...]:
    """The recipe of `space.blocks`, or a ConfigError naming the first problem."""
    if not isinstance(raw, list) or not raw:
        raise ConfigError("space.blocks: give a non-empty list of blocks")
    recipe = _parse_list(raw, prefix="", scope="")
    _check_unique(recipe, set())
    return recipe


def _check_unique(nodes: tuple[Node, ...], seen: set[str]) -> None:
    """Two blocks with one scope would silently share their hyperparameters."""
    for node in nodes:
        if node.scope in seen:
            raise ConfigError(
                f"{node.where}: another block has this scope; give each block its own `name`"
            )
        seen.add(node.scope)
        if not isinstance(node, Block):
            _check_unique(node.blocks, seen)


def _parse_list(raw: list[Any], prefix: str, scope: str) -> tuple[Node, ...]:
    return tuple(_parse_entry(entry, f"{prefix}{i}", scope) for i, entry in enumerate(raw, 1))


def _parse_entry(entry: Any, position: str, outer: str) -> Node:
    if not isinstance(entry, dict) or len(entry) != 1:
        raise ConfigError(
            f"space.blocks: block {position}: write each block as one `kind: {{arguments}}` "
            f"mapping, got {entry!r}"
        )
    ((kind, body),) = entry.items()
    kinds = [*CATALOGUE, *COMBINERS]
    if kind not in kinds:
        raise ConfigError(
            f"space.blocks: block {position}: unknown block '{kind}'{_hint(kind, kinds)}"
        )
    if kind == "residual" and isinstance(body, list):
        body = {"blocks": body}
    if not isinstance(body, dict | None):
        raise ConfigError(
            f"space.blocks: block {position} ({kind}): give its arguments as a mapping, "
            f"e.g. `{kind}: {{argument: value}}`, got {body!r}"
        )
    body = dict(body or {})
    name = str(body.pop("name", f"{kind}_{position.rsplit('.', 1)[-1]}"))
    if not NAME.fullmatch(name):
        raise ConfigError(
            f"space.blocks: block {position} ({kind}): name must be letters, digits, _ or -, "
            f"got {name!r}"
        )
    scope = f"{outer}/{name}" if outer else name
    here = f"space.blocks: block {position} ({kind}, scope {scope})"
    if kind in COMBINERS:
        return _parse_combiner(kind, body, position, scope, here)
    return Block(kind, scope, here, _arguments(CATALOGUE[kind].arguments, body, here))


def _parse_combiner(kind: str, body: dict[str, Any], position: str, scope: str, here: str) -> Node:
    valid = ["blocks", "norm"] if kind == "residual" else ["blocks", "times"]
    for key in body:
        if key not in valid:
            raise ConfigError(f"{here}: unknown argument '{key}'{_hint(key, valid)}")
    inner = body.get("blocks")
    if not isinstance(inner, list) or not inner:
        raise ConfigError(f"{here}: `blocks` must be a non-empty list of blocks")
    if kind == "residual":
        norm = _override(here, "norm", body.get("norm", "layer"))
        Argument("norm", Normalization, required=False).check(norm, f"{here}: norm")
        blocks = _parse_list(inner, f"{position}.", scope)
        return Residual(scope, here, blocks, norm)
    if "times" not in body:
        raise ConfigError(f"{here}: missing argument 'times' (a number, a list or a range)")
    times = _override(here, "times", body["times"])
    Argument("times", int, required=True).check(times, f"{here}: times")
    whole = [v for v in (times.min, times.max, times.step) if v is not None]
    if any(not float(v).is_integer() for v in whole) or min(int_values(times)) < 0:
        raise ConfigError(f"{here}: times must be whole numbers >= 0, got {body['times']!r}")
    # Copies are scoped `scope/<copy>/...`; the blocks' own positions restart at 1.
    return Repeat(scope, here, _parse_list(inner, f"{position}.", f"{scope}/<copy>"), times)


def _arguments(
    valid: dict[str, Argument], body: dict[str, Any], here: str
) -> dict[str, HyperparameterOverride]:
    found: dict[str, HyperparameterOverride] = {}
    for key, raw in body.items():
        if key not in valid:
            raise ConfigError(f"{here}: unknown argument '{key}'{_hint(key, list(valid))}")
        argument = valid[key]
        one_list = isinstance(raw, list) and not any(isinstance(v, list) for v in raw)
        if argument.is_tuple and one_list:
            raw = {"fixed": tuple(raw)}  # a shape or axes: one value, not a choice
        override = _override(here, key, raw)
        argument.check(override, f"{here}: {key}")
        found[key] = override
    missing = [name for name, argument in valid.items() if argument.required and name not in body]
    if missing:
        raise ConfigError(f"{here}: missing argument '{missing[0]}'")
    return found


def _override(here: str, key: str, raw: Any) -> HyperparameterOverride:
    try:
        return HyperparameterOverride.model_validate(raw)
    except ValidationError as error:
        problem = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{here}: {key}: {problem}") from None


def _hint(name: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(name, valid, n=1)
    return f"; did you mean '{close[0]}'?" if close else f"; choose between: {', '.join(valid)}"
