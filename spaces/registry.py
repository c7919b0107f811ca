"""The registry of spaces and what a space is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from search.data.spec import DataSpec, Modality
from search.registry import Registry

# build(hp, inputs, spec) -> a feature tensor; `inputs` are already preprocessed, and the
# hypermodel adds the task's head (search/tuning/task.py), so a space serves every task.
BuildFn = Callable[[Any, Any, DataSpec], Any]


@dataclass(frozen=True)
class Space:
    """A model family for one input modality; its docstring lists hyperparameters and ranges."""

    name: str
    modality: Modality
    build: BuildFn
    # Checks the space against the data before any build (a ConfigError); spaces written in
    # the experiment file have one, registered spaces need none.
    check: Callable[[DataSpec], None] | None = None
    # Where it was defined, for `search list`: built-in, a module file, a module, an entry point.
    origin: str = "built-in"
    # The user's module it came from (a .py file or a module name), whose digest a search
    # records and later commands check; None for built-in and `blocks` spaces.
    source: str | None = None
    # A keras-tuner `build_model(hp)` returning a compiled model: used as is (no preprocessing,
    # head or compile added), for data of any modality.
    compiled: bool = False

    @property
    def description(self) -> str:
        return (self.build.__doc__ or "").strip()


SPACES: Registry[Space] = Registry("space")
# (origin, module) while a user's module is imported (spaces/user.py), so its spaces say where
# they came from.
loading_origin: list[tuple[str, str]] = []


def register_space(name: str, modality: Modality) -> Callable[[BuildFn], BuildFn]:
    """Registers `build` as the space `name` for data of `modality`."""

    def add(build: BuildFn) -> BuildFn:
        origin, source = loading_origin[-1] if loading_origin else ("built-in", None)
        space = Space(name=name, modality=modality, build=build, origin=origin, source=source)
        SPACES.add(name, space)
        return build

    return add
