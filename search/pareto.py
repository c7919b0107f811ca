"""The Pareto front of trials scored on several objectives, and their non-dominated ranks.

Pure functions over plain numbers, so that the tuners, the report, `search best --pareto` and
the tests compute the front one way. A point dominates another when it is at least as good in
every objective and better in one; the front is the points nothing dominates.
"""

from __future__ import annotations

from collections.abc import Sequence

Point = Sequence[float]


def dominates(a: Point, b: Point, directions: Sequence[str]) -> bool:
    """`a` is at least as good as `b` everywhere and better somewhere."""
    better = False
    for x, y, direction in zip(a, b, directions, strict=True):
        if direction == "min":
            x, y = -x, -y
        if x < y:
            return False
        better = better or x > y
    return better


def front(points: Sequence[Point], directions: Sequence[str]) -> list[int]:
    """Indices of the points no other point dominates, in their given order."""
    return [
        i
        for i, p in enumerate(points)
        if not any(dominates(q, p, directions) for j, q in enumerate(points) if j != i)
    ]


def ranks(points: Sequence[Point], directions: Sequence[str]) -> list[int]:
    """Each point's non-dominated rank: 0 on the front, 1 on the front of the rest, ..."""
    ranked = [-1] * len(points)
    left = list(range(len(points)))
    rank = 0
    while left:
        layer = front([points[i] for i in left], directions)
        for position in layer:
            ranked[left[position]] = rank
        left = [i for k, i in enumerate(left) if k not in set(layer)]
        rank += 1
    return ranked
