"""Early stopping with several objectives: never stop a trial the cheap objectives place on
the current front (issue 19, part 4).

The median rule and ASHA judge a trial by its learning objective (ASHA by non-dominated rank:
`search.tuning.rung_points.rank_ahead`). A small or cheap model that learns a little worse may
still be worth having: before a rule stops a trial, its point (its objective so far, its
params and FLOPs, which also stand in for model size and latency) is compared with the
completed trials' that met the constraints. When none of them dominates it, it goes on, and it
carries a mark (a metric `spared_by_<objectives>` whose value is the epochs it had trained)
that reaches its run as the `search.spared` tag. With no completed trial yet there is no front
to be on: the rule decides alone. The deadline of a time budget spares nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from search.objectives_config import ObjectiveConfig
from search.pareto import dominates
from search.tuning.rung_points import better, completed_points, point_at

log = logging.getLogger(__name__)

SPARE_PREFIX = "spared_by_"  # the mark's metric name: spared_by_flops, spared_by_params+flops
JOIN = "+"


@dataclass(frozen=True)
class SpareTheFront:
    """A stopping rule (`search.tuning.stopping.Rule`) that stops no trial on the front."""

    rule: Any  # the rule that judges the learning objective: MedianRule, AshaRule
    cheap: tuple[ObjectiveConfig, ...]  # search.tuning.rung_points.cheap_objectives

    @property
    def name(self) -> str:
        return str(self.rule.name)

    def reason(self, trial: Any, step: int, trials: Iterable[Any], objective: Any) -> str | None:
        trials = list(trials)
        reason = self.rule.reason(trial, step, trials, objective)
        if reason is None:
            return None
        by = on_front_by(trial, step, trials, objective, self.cheap)
        if by is None:
            return reason
        first = describe_spare(trial) is None  # later epochs say it at debug level only
        log.log(
            logging.INFO if first else logging.DEBUG,
            "trial %s goes on after epoch %d although %s would stop it: on the front by %s",
            trial.trial_id,
            step + 1,
            reason.replace("_", " "),
            ", ".join(by),
        )
        mark_spared(trial, by, step)
        return None


def on_front_by(
    trial: Any, step: int, trials: Sequence[Any], objective: Any, cheap: Sequence[ObjectiveConfig]
) -> list[str] | None:
    """The objectives that keep `trial` off every completed trial's dominance after epoch
    `step` (None: some completed trial dominates it, or none completed yet, or its measures
    are unknown). Those are the cheap ones in which it beats a completed trial at least as good
    in the learning objective; the objective itself when no completed trial is that good."""
    own = point_at(trial, step, objective, cheap)
    if any(value is None for value in own):
        return None
    point = [float(v) for v in own if v is not None]
    others = [t for t in trials if t.trial_id != trial.trial_id]
    peers = completed_points(others, objective, cheap)
    directions = [objective.direction, *(c.direction for c in cheap)]
    if not peers or any(dominates(peer, point, directions) for peer in peers):
        return None
    ahead = [peer for peer in peers if not better(point[0], peer[0], objective)]
    by = [
        c.name
        for i, c in enumerate(cheap, start=1)
        if any(better(point[i], peer[i], c) for peer in ahead)
    ]
    return by or [objective.name]


# -- the mark a spared trial carries -----------------------------------------------------------
def mark_spared(trial: Any, by: Sequence[str], step: int) -> None:
    """Records on the oracle's trial that it went on after epoch `step`, on the front by `by`."""
    trial.metrics.update(f"{SPARE_PREFIX}{JOIN.join(by)}", float(step + 1), step=step)


def describe_spare(trial: Any) -> str | None:
    """What a spared trial's run says (its latest sparing): `epoch 1: on the front by flops`."""
    latest: tuple[int, str] | None = None
    for name, history in trial.metrics.metrics.items():
        if name.startswith(SPARE_PREFIX) and history.get_history():
            epochs = int(max(obs.mean() for obs in history.get_history()))
            if latest is None or epochs > latest[0]:
                latest = (epochs, name.removeprefix(SPARE_PREFIX).replace(JOIN, ", "))
    return None if latest is None else f"epoch {latest[0]}: on the front by {latest[1]}"
