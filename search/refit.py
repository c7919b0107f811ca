"""Explore cheap, finish full: the best configuration trained once more on train + validation.

The trials choose a configuration and how long it should train (the best trial's best epoch);
the refit then trains that configuration on every labelled example the test split does not
hold, for that many epochs scaled by the larger training set: `refit_epochs`. It is the model
that is tested and registered. With a time budget, the refit gets the time left before the
finishing reserve (`search.budget`): its epochs shrink to what the best trial's pace says
fits, and with not even one epoch left it is skipped (the best trial's own model stays).
"""

from __future__ import annotations

import logging
import math
import statistics
import time
from dataclasses import dataclass
from typing import Any

import keras

from search.budget import refit_reserve
from search.experiment import Experiment
from search.speed.compute import ComputeCounter, ComputeTally, trials_pflop
from search.tracking.schema import space_values
from search.tuning.best_model import best_model
from search.tuning.recipe import batch_size_of
from search.tuning.training import pipelines, train, trial_examples

log = logging.getLogger(__name__)


@dataclass
class Refit:
    """What the refit did, as its run says it (`search.refit`)."""

    epochs: int
    examples: int  # train + validation
    batches: int  # batches seen in its first epoch
    total_pflop: float | None = None  # the search's compute, trials and refit (None: uncounted)

    def describe(self) -> str:
        return (
            f"{self.epochs} epochs on train+validation "
            f"({self.examples} examples, {self.batches} batches an epoch)"
        )


def refit_epochs(best_epoch: int, train: int, validation: int, max_epochs: int) -> int:
    """The best trial's best epoch + 1 (epochs count from 0), times (train + validation) /
    train, at most `max_epochs` times that factor; at least 1."""
    factor = (train + validation) / train
    return max(1, min(round((best_epoch + 1) * factor), round(max_epochs * factor)))


def wanted_epochs(
    rule: int | str, best_epoch: int, sizes: dict[str, int], experiment: Experiment
) -> int | None:
    """The refit's epochs before the budget has its say: `best` follows `refit_epochs`, a
    number is taken as it is, `fill` (None) is whatever the budget allows."""
    if isinstance(rule, int):
        return rule
    if rule == "fill":
        return None
    return refit_epochs(best_epoch, sizes["train"], sizes["validation"], experiment.training.epochs)


def affordable_epochs(
    epochs: int | None, seconds_per_epoch: float | None, seconds_left: float
) -> int:
    """As many of `epochs` (None: any number) as fit in `seconds_left` at `seconds_per_epoch`
    (unknown: all of them; unknown with no number: 1)."""
    if seconds_per_epoch is None or seconds_per_epoch <= 0:
        return epochs if epochs is not None else 1
    fitting = math.floor(seconds_left / seconds_per_epoch)
    return fitting if epochs is None else min(epochs, fitting)


def final_model(
    tuner: Any,
    best_trial: Any,
    experiment: Experiment,
    data: Any,
    records: list[Any],
) -> tuple[Any, Refit | None]:
    """The model to test and register: the refit with `tuner.refit`, else (or when it does
    not fit in the budget) the best trial's own. The refit's time starts when the trials had
    to end: the deadline, less what the finishing work was measured to need beyond its reserve
    (`tuner.trial_oracle.trials_end`)."""
    deadline = tuner.trial_oracle.trials_end
    refit = experiment.tuner.refit
    if not refit.enabled:
        return best_model(tuner, best_trial, experiment, data), None
    sizes = data.spec.split_sizes
    epochs = wanted_epochs(refit.epochs, best_trial.best_step or 0, sizes, experiment)
    ends = None
    if deadline is not None and experiment.tuner.max_seconds:
        ends = deadline + refit_reserve(experiment.tuner.max_seconds, refit.share)
        scaled, once = _pace(tuner, best_trial, experiment, data, records, ends)
        fitting = affordable_epochs(epochs, scaled, ends - time.time() - once)
        if fitting < 1:
            log.info(
                "refit skipped: %.0fs left, under one epoch on train+validation (%.0fs); "
                "the best trial's own model is tested and registered",
                ends - time.time(),
                scaled or 0.0,
            )
            return best_model(tuner, best_trial, experiment, data), None
        if epochs is None:
            log.info("refit: %d epochs fill the budget left (%.3gs an epoch)", fitting, scaled or 0)
        elif fitting < epochs:
            log.info("refit: %d of %d epochs fit in the budget left", fitting, epochs)
        epochs = fitting
    if epochs is None:  # `fill` without a budget is refused by the config
        raise AssertionError("refit epochs: fill needs tuner.max_seconds")
    return _train_refit(tuner, best_trial, experiment, data, epochs, ends)


def _train_refit(
    tuner: Any, trial: Any, experiment: Experiment, data: Any, epochs: int, ends: float | None
) -> tuple[Any, Refit]:
    sizes = data.spec.split_sizes
    examples = sizes["train"] + sizes["validation"]
    log.info(
        "refit: trial %s's configuration, %d epochs on train+validation", trial.trial_id, epochs
    )
    model = _build(tuner, trial, (examples, epochs))
    batch = batch_size_of(experiment.training, trial.hyperparameters.values)
    both, _ = pipelines(experiment, data, with_validation=True, batch_size=batch)
    counter, tally = _RefitWatch(ends), ComputeTally(examples)
    counting = ComputeCounter(tally)
    history = train(model, experiment, both, None, epochs=epochs, callbacks=[counter, counting])
    trained = len(history.history.get("loss", [])) or epochs
    trials = trials_pflop(tuner.oracle.trials.values())
    pflop = None if trials is None or not tally.flops else trials + tally.pflop
    return model, Refit(trained, examples, counter.first_epoch_batches, pflop)


def probe_epoch_seconds(
    tuner: Any, trial: Any, experiment: Experiment, data: Any
) -> tuple[float, float] | None:
    """(Seconds one refit epoch takes here and now, seconds its first epoch adds once): a
    throw-away copy of the model trains two short epochs of a few train+validation batches
    (the first one warms up), timed batch by batch and at each epoch's end. The trials' own
    pace is a poor guide: it includes their validation passes, a subset's different size, and
    whatever else the machine was doing then (a CIFAR-10 refit was planned at 333 s an epoch
    and took 195)."""
    sizes = data.spec.split_sizes
    examples = sizes["train"] + sizes["validation"]
    batch = batch_size_of(experiment.training, trial.hyperparameters.values)
    batches = math.ceil(examples / batch)
    try:
        building = time.perf_counter()
        model = _build(tuner, trial, (examples, 1))
        built = time.perf_counter() - building  # the refit builds its own model again
        both, _ = pipelines(experiment, data, with_validation=True, batch_size=batch)
        clock = _Clock()
        probe = both.take(min(batches, PROBE_BATCHES))
        watches = [_RefitWatch(None), clock]
        train(model, experiment, probe, epochs=2, callbacks=watches, purpose="refit probe")
    except Exception as error:  # a guide only: the trials' pace stands in
        log.warning("could not time the refit's batches: %s", str(error).splitlines()[0])
        return None
    pace = clock.pace(batches)
    return None if pace is None else (pace[0], pace[1] + built)


# Batches of each of the probe's two epochs; the margin covers what an epoch of the real
# length adds (its last partial batch, the shuffle buffer filling) so that a `fill` refit
# ends its schedule before the deadline.
PROBE_BATCHES, PROBE_MARGIN = 8, 1.1


class _Clock(keras.callbacks.Callback):
    """When each batch and epoch of the probe ended. An epoch of `batches` then costs the
    second epoch's median batch times `batches`, plus that epoch's own fixed cost (callbacks,
    the data iterator), which dominates when epochs are short."""

    def __init__(self) -> None:
        super().__init__()
        self.batch_ends: list[list[float]] = []
        self.epoch_ends: list[float] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.started = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.batch_ends.append([])

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.batch_ends[-1].append(time.perf_counter())

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch_ends.append(time.perf_counter())

    def pace(self, batches: int) -> tuple[float, float] | None:
        """(seconds an epoch of `batches`, seconds the first epoch adds once: tracing)."""
        if len(self.epoch_ends) < 2 or len(self.batch_ends[1]) < 2:
            return None
        ends = self.batch_ends[1]
        per_batch = statistics.median(b - a for a, b in zip(ends, ends[1:], strict=False))
        second = self.epoch_ends[1] - self.epoch_ends[0]
        fixed = max(0.0, second - per_batch * len(ends))
        first_extra = max(0.0, self.epoch_ends[0] - self.started - second)
        return (fixed + per_batch * batches) * PROBE_MARGIN, first_extra


def _build(tuner: Any, trial: Any, span: tuple[int, int]) -> Any:
    """The trial's model, new, its learning-rate schedule spanning the refit's examples and
    epochs. Without keras-tuner's round values: with them a Hyperband or ASHA tuner would
    load the round's checkpoint, and the schedule would span the round."""
    hypermodel = tuner.hypermodel
    trials_span = getattr(hypermodel, "schedule_span", None)
    hypermodel.schedule_span = span  # a user's compiled model ignores it
    own = trial.hyperparameters.copy()
    own.values = space_values(own.values)
    try:
        return tuner.build_trial_model(own)  # under the distribution strategy
    finally:
        hypermodel.schedule_span = trials_span


def _pace(
    tuner: Any, trial: Any, experiment: Experiment, data: Any, records: list[Any], ends: float
) -> tuple[float | None, float]:
    """(seconds a refit epoch takes, seconds its first epoch adds): timed here and now, else
    the best trial's pace scaled from the explored examples (validation passes included)."""
    if ends > time.time():
        timed = probe_epoch_seconds(tuner, trial, experiment, data)
        if timed is not None:
            return timed
    sizes = data.spec.split_sizes
    pace = _seconds_per_epoch(records, trial.trial_id)
    explored = trial_examples(experiment, data.spec)
    return (pace * (sizes["train"] + sizes["validation"]) / explored if pace else None), 0.0


def _seconds_per_epoch(records: list[Any], trial_id: str) -> float | None:
    """The trial's seconds per epoch, as it trained (None when it was not seen training)."""
    for record in records:
        if record.trial_id == trial_id and record.seconds and record.epochs:
            return float(record.seconds) / record.epochs
    return None


class _RefitWatch(keras.callbacks.Callback):
    """Counts the batches of the first epoch; stops the refit at the budget's end (`ends`)."""

    def __init__(self, ends: float | None) -> None:
        super().__init__()
        self.ends = ends
        self.first_epoch_batches = 0
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._epoch == 0:
            self.first_epoch_batches = batch + 1
        if self.ends is not None and time.time() >= self.ends:
            log.info("refit stopped at the time budget's end, in epoch %d", self._epoch + 1)
            self.model.stop_training = True
