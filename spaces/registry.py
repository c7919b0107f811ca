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

    @property
    def description(self) -> str:
        return (self.build.__doc__ or "").strip()


SPACES: Registry[Space] = Registry("space")


def register_space(name: str, modality: Modality) -> Callable[[BuildFn], BuildFn]:
    """Registers `build` as the space `name` for data of `modality`."""

    def add(build: BuildFn) -> BuildFn:
        SPACES.add(name, Space(name=name, modality=modality, build=build))
        return build

    return add
