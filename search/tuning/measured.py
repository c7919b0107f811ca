"""Every trial's model measured where it lives, in the trial's own process, and held to
`tuner.constraints`.

Right after the model is built: its parameters and FLOPs; a model over `max_params` or
`max_flops` is refused there, before any training. Once it has trained: its saved size and
latency; over `max_latency_ms` or `max_model_mb`, it stays a completed trial but the oracle
hears it broke a constraint. Beside them, the trial's training compute (`train_pflop`, see
`search.speed.compute`), so that the oracle, whichever process it serves, holds it.
Listeners hear `trial_measured(trial_id, measures, notes)` before the trial ends (notes: the
CPU and threads the latency was measured on, and what it broke).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import keras
import keras_tuner as kt

from search.constraints_config import ConstraintsConfig
from search.speed.compute import ComputeCounter, ComputeTally
from search.tracking.schema import TRAIN_PFLOP
from search.tuning.constraints import (
    BUILT,
    TRAINED,
    Refused,
    breaches,
    broken_marks,
    describe,
    refused_results,
    with_metrics,
)
from search.tuning.events import relay
from search.tuning.measure import BATCH, built_measures, machine, trained_measures

log = logging.getLogger(__name__)

PARALLEL_NOTE = "indicative: measured while other workers of a parallel search were training"


class TrainedModel(keras.callbacks.Callback):
    """Keeps the model a trial trained (the last execution's); shared, not copied."""

    def __deepcopy__(self, memo: dict[int, Any]) -> TrainedModel:
        return self

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.trained = self.model


class MeasuredTrialsMixin:
    """Mixed in before a keras-tuner Tuner (and `SingleCleanupMixin`): see the module."""

    constraints: ConstraintsConfig = ConstraintsConfig()
    measure_listeners: Sequence[Any] = ()
    parallel = False  # latency is then indicative
    trial_samples: int | None = None  # examples a trial's epoch trains on (its compute counted)
    _measuring = False
    _built: dict[str, float] | None = None
    _sample: Any = None

    def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> Any:
        probe, tally = TrainedModel(), ComputeTally(self.trial_samples or 0)  # 0: counts nothing
        kwargs["callbacks"] = [*kwargs.get("callbacks", []), probe, ComputeCounter(tally)]
        self._measuring, self._built = True, None
        try:
            results = super().run_trial(trial, *args, **kwargs)  # type: ignore[misc]
        except Refused as refused:
            log.info("trial %s %s", trial.trial_id, refused)
            self._tell(trial.trial_id, refused.measures, {"refused": describe(refused.breaches)})
            return refused_results(self.oracle.objective.name, refused)  # type: ignore[attr-defined]
        finally:
            self._measuring = False
        inputs = _inputs_of(args, kwargs)
        measures = {**(self._built or {}), **self._trained(getattr(probe, "trained", None), inputs)}
        if tally.flops:
            measures[TRAIN_PFLOP] = tally.pflop
        found = breaches(self.constraints, measures, TRAINED)
        notes = {**machine(), **({"latency": PARALLEL_NOTE} if self.parallel else {})}
        if found:
            notes["broken"] = describe(found)
        self._tell(trial.trial_id, measures, notes)
        return self._recorded(trial.trial_id, results, measures, found)

    def _recorded(
        self, trial_id: str, results: Any, measures: dict[str, float], found: list[Any]
    ) -> Any:
        """`run_trial`'s results with the measures (and the mark of a broken constraint): the
        oracle keeps them with the metrics of the trial's best epoch, where several objectives,
        the champion rule and the constraints read them."""
        objective = self.oracle.objective.name  # type: ignore[attr-defined]
        marks = broken_marks(measures, found) if found else dict(measures)
        reported = self.oracle.get_trial(trial_id).metrics  # type: ignore[attr-defined]
        if marks and reported.exists(objective):
            # Its epochs were reported as they ended (early stopping, a budget): keras-tuner
            # then ignores what run_trial returns, so the measures go to the oracle directly,
            # at the best epoch, with its objective (which keras-tuner insists on).
            best = {objective: reported.get_best_value(objective)}
            step = reported.get_best_step(objective)
            self.oracle.update_trial(trial_id, {**best, **marks}, step=step)  # type: ignore[attr-defined]
        return with_metrics(results, objective, marks)

    def build_trial_model(self, hp: kt.HyperParameters) -> Any:
        model = super().build_trial_model(hp)  # type: ignore[misc]
        if self._measuring:  # a trial's build (not a reload of the best model)
            self._built = built_measures(model)
            found = breaches(self.constraints, self._built, BUILT)
            if found:
                raise Refused(self._built, found)
        return model

    def built_so_far(self) -> dict[str, float]:
        """The measures of the model the trial trains now, known since it was built."""
        return dict(self._built or {})

    def _trained(self, model: Any, inputs: Any) -> dict[str, float]:
        """Size and latency; left out (with a warning) when they cannot be measured."""
        if model is None:
            return {}
        try:
            if self._sample is None:
                self._sample = _sample_of(inputs)
            return trained_measures(model, self._sample)
        except Exception as error:
            log.warning("could not measure the trained model: %s", str(error).splitlines()[0])
            return {}

    def _tell(self, trial_id: str, measures: dict[str, float], notes: dict[str, str]) -> None:
        relay(self.measure_listeners, "trial_measured", trial_id, measures, notes)


def _inputs_of(args: tuple[Any, ...], fit_kwargs: dict[str, Any]) -> Any:
    """The validation data when given (never shuffled: reading it does not move the training
    pipeline's shuffle order), else the training inputs."""
    found = fit_kwargs.get("validation_data")
    if found is None:
        found = fit_kwargs.get("x", args[0] if args else None)
    return found


def _sample_of(data: Any) -> Any:
    """Up to `BATCH` real inputs: from a pipeline of (inputs, targets) batches, an (inputs,
    targets) pair, or inputs as they are (an array, or a dict of them for named inputs)."""
    if isinstance(data, tuple | list):
        data = data[0]
    if not hasattr(data, "unbatch"):
        return keras.tree.map_structure(lambda v: v[:BATCH], data)
    batch = next(iter(data.unbatch().take(BATCH).batch(BATCH)))
    return keras.tree.map_structure(lambda t: t.numpy(), batch[0])  # a dict: named inputs
