"""Refuses a YAML space that some choice of its hyperparameters cannot build, before any build.

Walks the recipe with every value each argument allows, tracking the tensor's rank, the
smallest image size and the possible widths: attention on a 4-D feature map, group
normalization whose groups do not divide the width, or pooling below 1 pixel is one
ConfigError line naming the block.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from search.data.spec import DataSpec, Modality
from search.errors import ConfigError
from search.experiment import HyperparameterOverride
from spaces.recipe import Block, Node, Repeat, Residual, int_values

RANK_NAMES = {2: "a vector (batch, width)", 3: "a sequence (batch, steps, width)"}
RANK_NAMES[4] = "a 4-D feature map (batch, height, width, channels)"
NEEDS = {
    "conv": (4,),
    "spatial_dropout": (4,),
    "reshaping_head": (3, 4),
    "recurrent": (3,),
    "self_attention": (3,),
    "embedding": (2,),
}


@dataclass(frozen=True)
class Shape:
    """What every choice can make of the tensor: its rank, smallest size, possible widths."""

    rank: int
    height: int | None = None
    width: int | None = None
    channels: frozenset[int] | None = None  # None: not known here


def modality_of(recipe: tuple[Node, ...]) -> Modality:
    """Text when the recipe embeds token ids somewhere, else images."""
    return "text" if any(_kinds(node) & {"embedding"} for node in recipe) else "image"


def check_shapes(recipe: tuple[Node, ...], spec: DataSpec) -> None:
    """A ConfigError for the first block some choice cannot build on `spec`'s inputs."""
    if spec.modality == "text":
        start = Shape(rank=2)
    else:
        height, width, channels = (list(spec.input_shape) + [None, None, None])[:3]
        start = Shape(4, height, width, frozenset([channels]) if channels else None)
    end = _walk(recipe, start)
    if end.rank != 2:
        raise ConfigError(
            f"space.blocks: the last block gives {RANK_NAMES.get(end.rank, 'no vector')}, but "
            "the task's head needs a vector (batch, width): end with a reshaping_head or a "
            "recurrent block"
        )


def _walk(nodes: tuple[Node, ...], shape: Shape) -> Shape:
    for node in nodes:
        shape = _step(node, shape)
    return shape


def _step(node: Node, shape: Shape) -> Shape:
    if isinstance(node, Residual):
        out = _walk(node.blocks, shape)
        if out.rank != shape.rank:
            raise ConfigError(f"{node.where}: its blocks must keep the rank ({shape.rank}-D)")
        _check_groups(node.where, [str(n) for n in _candidates(node.norm)], [1], out)
        return out
    if isinstance(node, Repeat):
        counts = node.counts()
        outs = [shape] if min(counts) == 0 else []
        current = shape
        for copy in range(1, max(counts) + 1):
            current = _walk(node.blocks, current)
            if copy in counts:
                outs.append(current)
        return _union(outs)
    return _block(node, shape)


def _block(block: Block, shape: Shape) -> Shape:
    needs = NEEDS.get(block.kind)
    if needs and shape.rank not in needs:
        raise ConfigError(
            f"{block.where}: needs {' or '.join(RANK_NAMES[r] for r in needs)}, "
            f"but gets {RANK_NAMES.get(shape.rank, f'a {shape.rank}-D tensor')}"
            + ("; put a reshape before it" if shape.rank == 4 else "")
        )
    values = {k: _candidates(o) for k, o in block.arguments.items()}
    width = frozenset(values.get("filters") or values.get("units") or []) or shape.channels
    if block.kind == "conv":
        shape = _pooled(block, shape, True in values.get("pool", [True]))
    elif block.kind == "embedding":
        return Shape(3, channels=frozenset(values["output_dim"]))
    elif block.kind == "reshaping_head":
        flat = "flatten" in values["kind"]
        return Shape(2, channels=None if flat else shape.channels)
    elif block.kind == "reshape":
        (dims,) = values["shape"]
        return _reshaped(tuple(dims))
    elif block.kind == "permute":
        return Shape(shape.rank)
    elif block.kind == "recurrent":
        doubled = True in values.get("bidirectional", [False])
        units = set(values["units"]) | ({2 * u for u in values["units"]} if doubled else set())
        return Shape(2, channels=frozenset(units))
    elif block.kind in ("self_attention", "feed_forward"):
        width = shape.channels
    shape = replace(shape, channels=width)
    norms = values.get("norm", values.get("kind", [None]))
    _check_groups(block.where, [str(n) for n in norms], values.get("groups", [1]), shape)
    return shape


def _pooled(block: Block, shape: Shape, pools: bool) -> Shape:
    if not pools or shape.height is None or shape.width is None:
        return shape
    if min(shape.height, shape.width) < 2:
        raise ConfigError(
            f"{block.where}: pooling makes the {shape.height}x{shape.width} image smaller than "
            "1 pixel with some choice of the blocks before it; set pool: false here or use "
            "fewer blocks"
        )
    return replace(shape, height=shape.height // 2, width=shape.width // 2)


def _reshaped(dims: tuple[int, ...]) -> Shape:
    known = [d if d > 0 else None for d in dims]
    channels = frozenset([dims[-1]]) if dims[-1] > 0 else None
    if len(dims) == 3:
        return Shape(4, known[0], known[1], channels)
    return Shape(len(dims) + 1, channels=channels)


def _check_groups(where: str, norms: list[str], groups: list[Any], shape: Shape) -> None:
    if "group" not in norms or shape.channels is None:
        return
    for width in sorted(shape.channels):
        for g in groups:
            if width % int(g):
                raise ConfigError(
                    f"{where}: group normalization needs groups to divide the width, "
                    f"but got width {width} with groups={g}"
                )


def _candidates(override: HyperparameterOverride) -> list[Any]:
    if override.fixed is not None:
        return [override.fixed]
    if override.values is not None:
        return list(override.values)
    assert override.min is not None and override.max is not None
    if float(override.min).is_integer() and float(override.max).is_integer():
        values = int_values(override)
        return values if len(values) <= 64 else [values[0], values[-1]]
    return [override.min, override.max]


def _union(shapes: list[Shape]) -> Shape:
    first = shapes[0]
    if any(s.rank != first.rank for s in shapes):
        return first  # the builds themselves will tell; ranks rarely differ by copies
    heights = [s.height for s in shapes]
    widths = [s.width for s in shapes]
    channels: frozenset[int] | None = frozenset()
    for s in shapes:
        channels = None if channels is None or s.channels is None else channels | s.channels
    return Shape(
        first.rank,
        None if None in heights else min(h for h in heights if h is not None),
        None if None in widths else min(w for w in widths if w is not None),
        channels,
    )


def _kinds(node: Node) -> set[str]:
    if isinstance(node, Block):
        return {node.kind}
    return set().union(*(_kinds(n) for n in node.blocks))
