"""The blocks a space written in YAML may use: `spaces/blocks.py`'s functions, by kind.

A block's arguments are its function's parameters after the input, read from the signature
(names, types, defaults), so a new block function is one line here. Parameters the data
decides (`vocabulary_size`, `sequence_length`) are filled in from the dataset.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from search.data.spec import DataSpec
from search.errors import ConfigError
from search.experiment import HyperparameterOverride
from spaces import blocks
from spaces.layers import PositionalEmbedding

FROM_DATA = ("vocabulary_size", "sequence_length")


def token_embedding(
    x: Any,
    vocabulary_size: int,
    sequence_length: int,
    output_dim: int,
    mask_zero: bool = True,
    positions: bool = False,
) -> Any:
    """The embedding block, plus learned positions when `positions` (for self-attention)."""
    x = blocks.embedding(x, vocabulary_size, output_dim, mask_zero)
    return PositionalEmbedding(sequence_length)(x) if positions else x


@dataclass(frozen=True)
class Argument:
    """One argument of a block: its type (from the signature) and whether it has a default."""

    name: str
    kind: Any
    required: bool
    default: Any = None

    @property
    def is_tuple(self) -> bool:
        return typing.get_origin(self.kind) is tuple

    @property
    def is_number(self) -> bool:
        return self.kind in (int, float)

    def allowed(self) -> tuple[Any, ...]:
        """The values of a `Literal` type (e.g. normalization kinds); empty for other types."""
        return typing.get_args(self.kind) if typing.get_origin(self.kind) is typing.Literal else ()

    def check(self, override: HyperparameterOverride, where: str) -> None:
        """A ConfigError when a value does not fit the argument's type."""
        if override.is_range:
            if not self.is_number:
                raise ConfigError(f"{where}: a range needs a number argument, not {self.kind}")
            return
        for value in override.values if override.values is not None else [override.fixed]:
            if not self._fits(value):
                choices = self.allowed()
                expected = ", ".join(map(str, choices)) if choices else _type_name(self.kind)
                raise ConfigError(f"{where}: expected {expected}, got {value!r}")

    def _fits(self, value: Any) -> bool:
        if self.allowed():
            return value in self.allowed()
        if self.kind is bool:
            return isinstance(value, bool)
        if self.kind is int:
            return isinstance(value, int) and not isinstance(value, bool)
        if self.kind is float:
            return isinstance(value, int | float) and not isinstance(value, bool)
        if self.is_tuple:
            return isinstance(value, tuple) and all(isinstance(v, int) for v in value)
        return isinstance(value, self.kind)


@dataclass(frozen=True)
class Kind:
    """A block function and its arguments (data-decided ones excluded)."""

    function: Callable[..., Any]
    arguments: dict[str, Argument]

    def call(self, x: Any, values: dict[str, Any], spec: DataSpec) -> Any:
        from_data = {}
        if spec.text is not None:
            from_data = {
                "vocabulary_size": spec.text.vocabulary_size,
                "sequence_length": spec.text.sequence_length,
            }
        wanted = inspect.signature(self.function).parameters
        return self.function(x, **{k: v for k, v in from_data.items() if k in wanted}, **values)


def _kind(function: Callable[..., Any]) -> Kind:
    hints = typing.get_type_hints(function)
    parameters = list(inspect.signature(function).parameters.values())[1:]
    return Kind(
        function,
        {
            p.name: Argument(
                p.name,
                hints[p.name],
                p.default is inspect.Parameter.empty,
                None if p.default is inspect.Parameter.empty else p.default,
            )
            for p in parameters
            if p.name not in FROM_DATA
        },
    )


def _type_name(kind: Any) -> str:
    return getattr(kind, "__name__", str(kind))


CATALOGUE: dict[str, Kind] = {
    "conv": _kind(blocks.conv_block),
    "dense": _kind(blocks.dense_block),
    "normalization": _kind(blocks.normalization),
    "dropout": _kind(blocks.dropout),
    "spatial_dropout": _kind(blocks.spatial_dropout),
    "gaussian_noise": _kind(blocks.gaussian_noise),
    "reshaping_head": _kind(blocks.reshaping_head),
    "reshape": _kind(blocks.reshape),
    "permute": _kind(blocks.permute),
    "embedding": _kind(token_embedding),
    "recurrent": _kind(blocks.recurrent_block),
    "self_attention": _kind(blocks.self_attention_block),
    "feed_forward": _kind(blocks.feed_forward_block),
}
