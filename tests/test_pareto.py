"""The Pareto front and non-dominated ranks that the tuners, the report and `search best
--pareto` share."""

from __future__ import annotations

import itertools
import random

from search.pareto import dominates, front, ranks

MAX_MIN = ("max", "min")  # accuracy up, latency down


def test_a_point_dominates_only_when_no_worse_anywhere_and_better_somewhere() -> None:
    assert dominates((0.9, 1.0), (0.8, 2.0), MAX_MIN)
    assert dominates((0.9, 1.0), (0.9, 2.0), MAX_MIN)
    assert not dominates((0.9, 1.0), (0.9, 1.0), MAX_MIN)  # equal: neither
    assert not dominates((0.9, 3.0), (0.8, 2.0), MAX_MIN)  # a trade-off


def test_the_front_keeps_the_trade_offs_and_drops_the_dominated() -> None:
    points = [(0.95, 4.0), (0.90, 1.0), (0.93, 2.0), (0.92, 3.0), (0.95, 5.0), (0.90, 1.0)]
    # (0.92, 3) is beaten by (0.93, 2); (0.95, 5) by (0.95, 4); the twin (0.90, 1) both stay
    assert front(points, MAX_MIN) == [0, 1, 2, 5]


def test_ranks_peel_the_front_layer_by_layer() -> None:
    points = [(0.95, 4.0), (0.92, 4.5), (0.90, 1.0), (0.91, 5.0), (0.80, 6.0)]
    assert ranks(points, MAX_MIN) == [0, 1, 0, 2, 3]


def test_the_front_matches_a_brute_force_on_random_points() -> None:
    rng = random.Random(0)
    for directions in itertools.product(("max", "min"), repeat=3):
        points = [
            tuple(rng.choice((0.0, 1.0, 2.0, rng.random())) for _ in range(3)) for _ in range(30)
        ]
        kept = front(points, directions)
        for i, p in enumerate(points):
            beaten = any(
                all(
                    (q[k] >= p[k]) if d == "max" else (q[k] <= p[k])
                    for k, d in enumerate(directions)
                )
                and q != p
                for q in points
            )
            assert (i in kept) == (not beaten)
        assert [i for i, r in enumerate(ranks(points, directions)) if r == 0] == kept
