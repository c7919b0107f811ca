"""Stop bad trials early: the rules, the mark a stopped trial carries, the callback that asks.

A trial reports every epoch to the oracle (`oracle.update_trial`, keras-tuner's own hook for
intermediate results, which reaches the chief's oracle over gRPC from a worker). The oracle
that owns the trials (`search.tuning.oracle.TrialOracle`) asks its rule, and answers a
STOPPED trial when the trial should end: the median rule, ASHA's rungs, or the time budget's
deadline. The trial then ends COMPLETED with its best epoch so far, and carries a mark (a
metric `stopped_by_<reason>` whose value is the epochs it trained) that travels with it: to
`trial.json`, over gRPC to the worker that records it, into its run's `search.stopped` tag.

ASHA here is the stopping form of asynchronous successive halving (as Ray Tune's and
Optuna's are): a trial reaching a rung goes on at once when it is in the top 1/eta of
the trials that reached that rung so far, else it stops there. No trial waits for a rung to
fill (no bracket barrier), each configuration stays one trial and one run, and continuing
needs no checkpoint reload.

With several objectives (issue 19), trials' epoch reports carry their params and FLOPs, ASHA
orders a rung by non-dominated rank (`search.tuning.rung_points`), and no rule stops a trial
that no completed trial dominates (`search.tuning.sparing`).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import keras

from search.experiment import TrainingConfig, TunerConfig
from search.objectives_config import ObjectiveConfig
from search.stopping_config import rule_for_kind
from search.tracking.schema import HYPERBAND_EPOCHS
from search.tuning.rung_points import better, cheap_objectives, rank_ahead, reached, rung_score
from search.tuning.sparing import SPARE_PREFIX, SpareTheFront

STOP_PREFIX = "stopped_by_"  # the mark's metric name: stopped_by_median, stopped_by_deadline
DEADLINE = "deadline"


class Rule(Protocol):
    @property
    def name(self) -> str: ...

    def reason(self, trial: Any, step: int, trials: Iterable[Any], objective: Any) -> str | None:
        """Why `trial` stops after epoch `step` (0-based), or None to go on."""


@dataclass(frozen=True)
class MedianRule:
    """Stops a trial worse at epoch e than the median of the completed trials at e (their
    best up to e), once it trained `grace_epochs` epochs and `min_trials` completed trials
    reached e. Without that count the second trial of a sequential search would have to beat
    the first at every epoch, and the first, never judged, would be the one trained fully
    (as Ray Tune's median rule waits for 3 trials, Optuna's for 5)."""

    grace_epochs: int = 1
    min_trials: int = 3
    name: str = "median"

    def reason(self, trial: Any, step: int, trials: Iterable[Any], objective: Any) -> str | None:
        own = rung_score(trial, objective, step)
        if step + 1 < self.grace_epochs or own is None:
            return None
        peers = [
            rung_score(t, objective, step)
            for t in trials
            if t.trial_id != trial.trial_id
            and str(t.status) == "COMPLETED"
            and reached(t, objective, step)
        ]
        scores = [p for p in peers if p is not None]
        if len(scores) < self.min_trials or not better(statistics.median(scores), own, objective):
            return None
        return self.name


@dataclass(frozen=True)
class AshaRule:
    """At each rung (`min_epochs` x `factor`^k epochs, below `max_epochs`) a trial goes on
    while it is in the top 1/`factor` of every trial that reached that rung, itself included.

    With several objectives (`cheap`: the build-time measures that stand for them, see
    `search.tuning.rung_points`) the trials at a rung are ordered by non-dominated rank on
    their objective at the rung and those measures, ties by the objective."""

    min_epochs: int = 1
    factor: int = 3
    max_epochs: int = 1
    cheap: tuple[ObjectiveConfig, ...] = ()
    name: str = "asha"

    def rungs(self) -> list[int]:
        """The epoch counts at which trials are judged."""
        return rung_epochs(self.min_epochs, self.factor, self.max_epochs)

    def reason(self, trial: Any, step: int, trials: Iterable[Any], objective: Any) -> str | None:
        rungs = self.rungs()
        if step + 1 not in rungs or rung_score(trial, objective, step) is None:
            return None
        contenders = [t for t in trials if reached(t, objective, step)]
        ahead = rank_ahead(trial, contenders, step, objective, self.cheap)
        keep = max(1, len(contenders) // self.factor)
        return None if ahead < keep else f"{self.name}_rung_{rungs.index(step + 1)}"


def rung_epochs(min_epochs: int, factor: int, max_epochs: int) -> list[int]:
    """Where ASHA judges a trial, in either form: min_epochs x factor^k epochs below
    max_epochs (1 and 3 for 1, 3, 9)."""
    found, epochs = [], max(1, min_epochs)
    while epochs < max_epochs:
        found.append(epochs)
        epochs *= factor
    return found


def reduction_factor(tuner: TunerConfig) -> int:
    """ASHA's factor, in either form: `early_stopping.reduction_factor`, else Hyperband's."""
    return tuner.early_stopping.reduction_factor or tuner.hyperband_factor


def rule_of(tuner: TunerConfig, training: TrainingConfig) -> Rule | None:
    """The experiment's stopping rule (None: trials train every epoch). With several
    objectives of which one is a measure of the model, it spares the front
    (`search.tuning.sparing`) and ASHA ranks by the front."""
    config = tuner.early_stopping
    name = rule_for_kind(tuner.kind, config.rule)
    if tuner.kind == "asha":  # the promotion form: its oracle halves (search.tuning.asha)
        return None
    cheap = cheap_objectives(tuner.all_objectives)  # none with one objective
    rule: Rule
    if name == "median":
        rule = MedianRule(config.grace_epochs, config.min_trials)
    elif name == "asha":
        rule = AshaRule(config.min_epochs, reduction_factor(tuner), training.epochs, cheap)
    else:
        return None
    return SpareTheFront(rule, cheap) if cheap else rule


# -- the mark a stopped trial carries ---------------------------------------------------------
def mark_stopped(trial: Any, reason: str, step: int) -> None:
    """Records on the oracle's trial that it stopped after epoch `step` for `reason`."""
    trial.metrics.update(f"{STOP_PREFIX}{reason}", float(step + 1), step=step)


def stop_of(trial: Any) -> tuple[int, str] | None:
    """(epochs trained, reason) of a stopped trial; None for one that was not stopped."""
    for name, history in trial.metrics.metrics.items():
        if name.startswith(STOP_PREFIX) and history.get_history():
            epochs = int(history.get_history()[-1].mean())
            return epochs, name.removeprefix(STOP_PREFIX)
    return None


def describe_stop(trial: Any) -> str | None:
    """What a stopped trial's run says: `epoch 3 (asha rung 1)`, `epoch 5 (deadline)`."""
    found = stop_of(trial)
    return None if found is None else f"epoch {found[0]} ({found[1].replace('_', ' ')})"


def is_mark(metric_name: str) -> bool:
    """A stopping rule's mark on a trial (stopped or spared), not a metric of its model."""
    return metric_name.startswith((STOP_PREFIX, SPARE_PREFIX))


def fidelity(trial: Any) -> float:
    """How far a trial trained, for choosing the best: a stopped one its epochs, a Hyperband
    one the epochs its round gave it (`tuner/epochs`: a first-round trial trained 1 of 9),
    any other as far as it was meant to (infinity)."""
    found = stop_of(trial)
    if found is not None:
        return float(found[0])
    planned = planned_epochs(trial)
    return math.inf if planned is None else float(planned)


def planned_epochs(trial: Any, default: int | None = None) -> int | None:
    """The epochs a trial is to train when nothing stops it: a Hyperband round's own
    (`tuner/epochs`), else `default` (the experiment's `training.epochs`, where known)."""
    return trial.hyperparameters.values.get(HYPERBAND_EPOCHS, default)


def furthest_trained(ranked: list[Any]) -> Any:
    """The first of `ranked` (best first) among those that trained furthest."""
    furthest = max(fidelity(t) for t in ranked)
    return next(t for t in ranked if fidelity(t) == furthest)


# -- the trial's side --------------------------------------------------------------------------
class TrialStopper(keras.callbacks.Callback):
    """Reports each epoch to the oracle and stops the training when it answers STOPPED; at
    the training deadline, stops within the epoch (its partial epoch is still validated and
    kept). Times what the oracle's budget clock needs: each batch's end and each validation.

    `carried` gives what is known of the model since it was built (its params and FLOPs, with
    several objectives): it goes with every report, so that the oracle judging the trial, a
    chief's over gRPC too, knows it while the trial trains."""

    def __init__(
        self,
        trial_oracle: Any,
        trial_id: str,
        carried: Callable[[], Mapping[str, float]] | None = None,
    ) -> None:
        super().__init__()
        self.trial_oracle = trial_oracle
        self.trial_id = trial_id
        self.carried = carried
        self._validating: float | None = None  # when the running validation began
        self._validations = 0  # validations of this fit so far

    def __deepcopy__(self, memo: dict[int, Any]) -> TrialStopper:
        return self  # keras-tuner deep-copies callbacks per execution; this holds the oracle

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.trial_oracle.clock.batch_ended(self.trial_id)
        if self.trial_oracle.past_training_deadline():
            self.model.stop_training = True

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if batch == 0:  # after what runs before a validation (recomputed BN statistics)
            self._validating = time.monotonic()

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        self._validations += 1
        if self._validating is not None and self._validations > 1:  # the first one traces
            self.trial_oracle.clock.validated(time.monotonic() - self._validating)
        self._validating = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        metrics = {}
        for key, value in (logs or {}).items():
            try:
                metrics[key] = float(value)
            except (TypeError, ValueError):
                continue
        if self.carried is not None:
            metrics.update(self.carried())
        if self.trial_oracle.report_epoch(self.trial_id, epoch, metrics):
            self.model.stop_training = True
