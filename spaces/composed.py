"""Builds a space written in the experiment file: hyperparameters declared per block, by scope.

A fixed argument is a plain value; a choice or a range becomes a hyperparameter named
`<scope>/<argument>` (scope: the block's `name`, else `<kind>_<position>`, nested inside a
residual's or a repeat's scope). A repeat declares `<scope>/times`; copy r of its blocks
lives under `<scope>/<r>/...`, conditional on `times >= r`.
"""

from __future__ import annotations

from contextlib import nullcontext
from functools import partial
from typing import Any

from search.data.spec import DataSpec
from search.experiment import HyperparameterOverride, SpaceConfig
from spaces import blocks
from spaces.catalogue import CATALOGUE
from spaces.recipe import Block, Node, Repeat, Residual, parse_blocks
from spaces.registry import Space
from spaces.shapes import check_shapes, modality_of
from spaces.user import offered_space, user_space


def resolve_space(config: SpaceConfig) -> Space:
    """The experiment's space: written in its `blocks`, the user's module or function, else
    registered under its name (built in, or offered by an installed package's entry point)."""
    if config.blocks is not None:
        return composed_space(config.name, config.blocks)
    if config.module is not None or config.function is not None:
        return user_space(config)
    return offered_space(config)


def composed_space(name: str, raw_blocks: list[Any]) -> Space:
    """The Space of `space.blocks`, checked for unknown blocks and arguments (ConfigError)."""
    recipe = parse_blocks(raw_blocks)
    build = partial(build_recipe, recipe)
    return Space(
        name=name,
        modality=modality_of(recipe),
        build=build,
        check=partial(check_shapes, recipe),
    )


def build_recipe(recipe: tuple[Node, ...], hp: Any, inputs: Any, spec: DataSpec) -> Any:
    """The recipe's features on `inputs` (the task's head is added by the hypermodel)."""
    return _build_list(recipe, hp, inputs, spec)


def _build_list(nodes: tuple[Node, ...], hp: Any, x: Any, spec: DataSpec) -> Any:
    for node in nodes:
        x = _build_node(node, hp, x, spec)
    return x


def _build_node(node: Node, hp: Any, x: Any, spec: DataSpec) -> Any:
    if isinstance(node, Block):
        with hp.name_scope(_leaf(node.scope)):
            arguments = CATALOGUE[node.kind].arguments
            values = {k: declare(hp, k, o, arguments[k].kind) for k, o in node.arguments.items()}
        return CATALOGUE[node.kind].call(x, values, spec)
    if isinstance(node, Residual):
        with hp.name_scope(_leaf(node.scope)):
            norm = declare(hp, "norm", node.norm, str)
            return blocks.residual(x, lambda y: _build_list(node.blocks, hp, y, spec), norm)
    return _build_repeat(node, hp, x, spec)


def _build_repeat(node: Repeat, hp: Any, x: Any, spec: DataSpec) -> Any:
    counts = node.counts()
    with hp.name_scope(_leaf(node.scope)):
        times = int(declare(hp, "times", node.times, int))
        for copy in range(1, max(counts) + 1):
            allowed = [n for n in counts if n >= copy]
            conditional = min(counts) < copy
            with hp.conditional_scope("times", allowed) if conditional else nullcontext():
                if copy <= times:
                    with hp.name_scope(str(copy)):
                        x = _build_list(node.blocks, hp, x, spec)
    return x


def declare(hp: Any, name: str, override: HyperparameterOverride, kind: type) -> Any:
    """A fixed value as it is; a choice or a range as a hyperparameter named `name`."""
    if override.fixed is not None:
        return override.fixed
    if override.values is not None:
        numbers = all(type(v) in (int, float) for v in override.values)
        return hp.Choice(name, list(override.values), ordered=numbers)
    low, high = override.min, override.max
    assert low is not None and high is not None
    sampling = override.sampling or "linear"
    if kind is int:
        return hp.Int(name, int(low), int(high), step=int(override.step or 1), sampling=sampling)
    return hp.Float(name, float(low), float(high), step=override.step, sampling=sampling)


def _leaf(scope: str) -> str:
    """The last part of a scope: keras-tuner nests `name_scope`s itself."""
    return scope.rsplit("/", 1)[-1]
