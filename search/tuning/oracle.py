"""The one place a search changes what keras-tuner's oracle does, for every tuner and mode.

`TrialOracle` wraps an oracle instance (`RandomSearch`'s, `BayesianOptimization`'s,
`Hyperband`'s, ... or a parallel worker's client of the chief's) and owns:
- trial events: `trial_started` when a RUNNING trial is handed out (once per trial and
  process, so a trial re-queued from a dead worker is not started twice in the chief's
  progress), `trial_ended` with the oracle's recorded outcome and the trial's wall time;
- the time budget, a promise (`deadline`, see `search.budget`): keras-tuner has none; its
  search loop stops when the oracle answers STOPPED, which it does once `max_trials` trials
  exist. So once the time left is shorter than the shortest first epoch seen, `max_trials`
  is lowered to the trials made (the first trial always starts); a running trial stops
  training (`search.tuning.stopping.TrialStopper`) early enough to end by the deadline with
  its best epoch so far, and for the finishing work to fit (`search.tuning.budget_clock`);
- early stopping: every trial reports each epoch (`update_trial`, over gRPC from a worker);
  the oracle owning the trials asks the experiment's rule (median, asha) and the deadline,
  marks a trial to stop (`search.tuning.stopping`) and answers it STOPPED;
- warm start: the first trial's values (every oracle picks values in `populate_space`);
- repeats: a Bayesian oracle's proposal of tried values asked again (`search.tuning.repeats`);
- several objectives: why a Bayesian proposal was made (`search.tuning.parego`);
- retry bookkeeping: ended trials dropped from the retry queue on reload, a dead worker's
  trial re-queued, a worker forgotten, the oracle saved once a trial has ended;
- a worker's share: a pause while the chief's oracle is busy elsewhere (keras-tuner re-asks
  at once), and a local STOPPED once the process ran its share of trials;
- constraints (the local or chief's oracle only; `search.tuning.penalty` replaces its
  `score_trial`): a trial that broke one scores as the worst, a refused one gives its place
  in `max_trials` back, and too many refusals in a row stop the search.

keras-tuner calls `create_trial`/`update_trial`/`end_trial` on the oracle from its tuner loop
and from its gRPC service, and `populate_space` from its own `create_trial`: so they are
replaced on the instance, here and only here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import keras_tuner as kt

from search.outcome import BROKE_MARK
from search.tuning import keras_tuner_internals as internals
from search.tuning import penalty
from search.tuning.budget_clock import BudgetClock
from search.tuning.events import outcome_of, relay
from search.tuning.repeats import avoid_repeats
from search.tuning.stopping import DEADLINE, Rule, mark_stopped, planned_epochs, stop_of
from search.tuning.warm_start import start_from

log = logging.getLogger(__name__)

IDLE_PAUSE = 1.0  # seconds between a worker's asks while the oracle waits (Hyperband)
Status = kt.engine.trial.TrialStatus


class TrialOracle:
    """Installs itself on `oracle`; see the module's docstring for what it adds."""

    def __init__(
        self,
        oracle: Any,
        listeners: Sequence[Any] = (),
        deadline: float | None = None,
        warm_start: Any = None,
        trials_per_process: int | None = None,
        rule: Rule | None = None,
        proposals: Any = None,
        epochs: int | None = None,
        clock: BudgetClock | None = None,
    ) -> None:
        internals.quiet()
        internals.atomic_saves()
        self.oracle = oracle
        self.listeners = list(listeners)
        self.local = isinstance(oracle, kt.Oracle)  # else a worker's client: the chief decides
        self.deadline = deadline  # wall clock (time.time()): workers on other hosts share it
        self.clock = clock or BudgetClock()  # what comes after a trial's training, measured
        self.rule = rule
        self.epochs = epochs  # what a trial trains when nothing stops it (Hyperband: its round)
        self.proposals = proposals  # a `search.tuning.parego.ParEGO`: why a trial was proposed
        self.trials_per_process = trials_per_process
        self.handed_out = 0
        self.exhausted = False  # this process ran its share
        self._started: dict[str, float] = {}
        self._first_epoch: dict[str, float] = {}  # seconds from a trial's start to its epoch 1
        self.refusals = _constrain(oracle) if self.local else None
        self._create, self._end = oracle.create_trial, oracle.end_trial
        oracle.create_trial, oracle.end_trial = self.create_trial, self.end_trial
        if self.local:
            avoid_repeats(oracle)
            self._update = oracle.update_trial
            oracle.update_trial = self.update_trial
        if warm_start is not None:
            start_from(oracle, warm_start)

    @property
    def stopping(self) -> bool:
        """Trials report their epochs: a rule or a deadline may stop them."""
        return self.rule is not None or self.deadline is not None

    @property
    def trials_end(self) -> float | None:
        """When the trials must have ended: the deadline, less what the finishing work was
        measured to need beyond the budget's reserve for it (`search.tuning.budget_clock`)."""
        return None if self.deadline is None else self.deadline - self.clock.finish_extra

    @property
    def training_deadline(self) -> float | None:
        """When a running trial stops training: `trials_end` less the longest trial tail seen
        (validation, measures, logging), so that it has ended by then."""
        end = self.trials_end
        return None if end is None else end - self.clock.tail

    def past_training_deadline(self) -> bool:
        deadline = self.training_deadline
        return deadline is not None and time.time() >= deadline

    def report_epoch(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> bool:
        """A trial's epoch ended with `metrics`: True when the trial must stop now."""
        if self.oracle.objective.name not in metrics:  # no validation data: nothing to judge
            return self.past_training_deadline()
        trial = self.oracle.update_trial(trial_id, metrics, step=epoch)
        return str(trial.status) == "STOPPED"

    def update_trial(self, trial_id: str, metrics: dict[str, float], step: int = 0) -> Any:
        """keras-tuner's update, then the verdict: the trial itself, or a STOPPED copy.

        A trained trial's constraint mark (`search.tuning.measured`) is recorded, not judged."""
        if BROKE_MARK in metrics:
            return self._update(trial_id, metrics, step=step)
        trial, stops = _locked(self.oracle, lambda: self._update_and_judge(trial_id, metrics, step))
        if not stops:
            return trial
        return kt.engine.trial.Trial(trial.hyperparameters, trial_id, status=Status.STOPPED)

    def _update_and_judge(self, trial_id: str, metrics: dict[str, float], step: int) -> Any:
        trial = self._update(trial_id, metrics, step=step)
        if trial_id in self._started and trial_id not in self._first_epoch:
            self._first_epoch[trial_id] = time.monotonic() - self._started[trial_id]
        return trial, self._stops(trial, step)

    def _stops(self, trial: Any, step: int) -> bool:
        earlier = stop_of(trial)
        if earlier is not None:  # a later execution of a trial stopped before
            return step + 1 >= earlier[0]
        reason = None
        if self.past_training_deadline():
            if self._last_epoch(trial, step):  # it ends here anyway, trained as far as meant
                return False
            reason = DEADLINE
        elif self.rule is not None:
            trials = list(self.oracle.trials.values())
            reason = self.rule.reason(trial, step, trials, self.oracle.objective)
        if reason is None:
            return False
        log.info("trial %s stops after epoch %d (%s)", trial.trial_id, step + 1, reason)
        mark_stopped(trial, reason, step)
        return True

    def _last_epoch(self, trial: Any, step: int) -> bool:
        """Whether epoch `step` is the last the trial was to train (unknown: False). A trial
        that reached it at the deadline is no stopped trial: it competes for the champion
        with the others that trained every epoch."""
        planned = planned_epochs(trial, self.epochs)
        return planned is not None and step + 1 >= planned

    def create_trial(self, tuner_id: str) -> Any:
        if self.trials_per_process is not None and self.handed_out >= self.trials_per_process:
            self.exhausted = True
            return kt.engine.trial.Trial(None, status=Status.STOPPED)
        self._keep_budget()
        trial = self._create(tuner_id)
        if trial.status == Status.IDLE and not self.local:
            time.sleep(IDLE_PAUSE)
        elif trial.status == Status.RUNNING and trial.trial_id not in self._started:
            self.handed_out += 1
            self._started[trial.trial_id] = time.monotonic()
            relay(
                self.listeners, "trial_started", trial.trial_id, dict(trial.hyperparameters.values)
            )
            if self.proposals is not None:
                self.proposals.tell(self.listeners, trial.trial_id)
        return trial

    def end_trial(self, trial: Any) -> Any:
        self.clock.trial_ended(trial.trial_id)
        try:
            result = self._end(trial)
            if self.local:
                _save(self.oracle)  # keras-tuner's own save came before the trial left `ongoing`
            return result
        finally:  # also when keras-tuner raises for too many consecutive failures
            recorded = self._recorded(trial)
            if str(recorded.status) != "RUNNING":  # RUNNING again: re-queued for a retry
                if self.refusals is not None:
                    self.refusals.saw(recorded)
                started = self._started.pop(trial.trial_id, time.monotonic())
                outcome = outcome_of(recorded, time.monotonic() - started)
                relay(self.listeners, "trial_ended", outcome)

    def _recorded(self, trial: Any) -> Any:
        """The trial as the oracle scored it (a NaN score turns it INVALID, then FAILED);
        `get_trial` rather than `trials`: a worker's oracle is a client of the chief's."""
        try:
            return self.oracle.get_trial(trial.trial_id)
        except KeyError:
            return trial

    def _keep_budget(self) -> None:
        """No new trial when the time left before the training deadline would not train its
        first epoch (the shortest seen); the first trial always starts, so that the search has
        a result."""
        oracle, deadline = self.oracle, self.training_deadline
        if not self.local or deadline is None:  # no time budget
            return
        if not oracle.trials:  # nothing measured yet: the training deadline is the deadline
            if time.time() >= deadline:
                log.warning(
                    "the time budget for trials ran out before the first one (data, tracking "
                    "and workers took it): it stops after one batch; raise tuner.max_seconds"
                )
            return
        shortest = min(self._first_epoch.values(), default=0.0)
        left = deadline - time.time()
        if left > shortest:
            return
        if oracle.max_trials is None or oracle.max_trials > len(oracle.trials):
            log.info(
                "time budget: %.1fs left, under an epoch (%.1fs): no new trial", left, shortest
            )
            oracle.max_trials = len(oracle.trials)

    def forget_ended_retries(self) -> list[str]:
        """Ended trials a reload would run again: keras-tuner saves `oracle.json` in
        `end_trial` before it drops the trial from the ongoing ones, and reloading sends every
        ongoing trial to the retry queue. A search killed in that window would train a
        COMPLETED trial twice. Returns the trial ids dropped."""
        queue = internals.retry_queue(self.oracle)
        if queue is None:
            return []
        ended = {"COMPLETED", "FAILED"}
        dropped = [t for t in queue if str(self.oracle.trials[t].status) in ended]
        internals.set_retry_queue(self.oracle, [t for t in queue if t not in dropped])
        return dropped

    def waiting_retries(self) -> bool:
        return bool(internals.retry_queue(self.oracle))

    def requeue(self, tuner_id: str) -> str | None:
        """A worker died: its trial goes back to the retry queue for the next worker that
        asks. Returns the trial id (None when the worker was between trials)."""
        return _requeue(self.oracle, tuner_id)

    def forget(self, tuner_id: str) -> None:
        """A worker that will not come back: the oracle stops waiting for it."""
        _forget(self.oracle, tuner_id)


def _constrain(oracle: Any) -> penalty.Refusals:
    """Penalized scores and refusal counts for `tuner.constraints`, on the deciding oracle."""
    penalty.install(oracle)
    return penalty.Refusals(oracle)


@kt.synchronized
def _requeue(oracle: Any, tuner_id: str) -> str | None:
    trial = oracle.ongoing_trials.pop(tuner_id, None)
    if trial is None:
        return None
    queue = internals.retry_queue(oracle)
    assert queue is not None, "only the chief's own oracle re-queues"
    queue.append(trial.trial_id)
    oracle.save()
    return str(trial.trial_id)


@kt.synchronized
def _locked(oracle: Any, call: Callable[[], Any]) -> Any:
    """`call()` holding the oracle's lock, as its own methods do (gRPC calls come in threads)."""
    return call()


@kt.synchronized
def _save(oracle: Any) -> None:
    oracle.save()


@kt.synchronized
def _forget(oracle: Any, tuner_id: str) -> None:
    oracle.tuner_ids.discard(tuner_id)


@kt.synchronized
def all_ended(oracle: Any) -> bool:
    """No trial is running and every worker that asked for one was told to stop."""
    return not oracle.ongoing_trials and not oracle.tuner_ids
