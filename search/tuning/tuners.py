"""keras-tuner's tuners by name, built with our oracle wrapper and training callbacks.

The registry is import-light (class names, not classes) so the CLI can list tuners in
`--help` without loading TensorFlow.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from search.experiment import TrainingConfig, TunerConfig
from search.registry import Registry


@dataclass(frozen=True)
class TunerKind:
    class_name: str  # in keras_tuner, or module.Class
    arguments: Callable[[TunerConfig, TrainingConfig], dict[str, Any]]
    summary: str


TUNERS: Registry[TunerKind] = Registry("tuner")


def _common(config: TunerConfig) -> dict[str, Any]:
    import keras_tuner as kt

    return {
        "objective": kt.Objective(config.objective.name, direction=config.objective.direction),
        "seed": config.seed,
        "max_retries_per_trial": config.max_retries_per_trial,
        "max_consecutive_failed_trials": config.max_consecutive_failed_trials,
        "executions_per_trial": config.executions_per_trial,
    }


TUNERS.add(
    "random",
    TunerKind(
        "RandomSearch",
        lambda c, t: {**_common(c), "max_trials": c.max_trials},
        "random sampling of the space",
    ),
)
INITIAL_POINTS_CAP = 10  # Optuna's TPE also models after 10 random trials


def initial_points(max_trials: int) -> int:
    """Random trials before the Gaussian process proposes: a third of `max_trials`, 2 at
    least, `INITIAL_POINTS_CAP` at most. keras-tuner's default (3 a dimension) would leave
    short searches random; a third of a `max_trials` that only caps a time-budgeted search
    (200 in the quality benchmark) would leave the whole search random."""
    return min(max(2, max_trials // 3), INITIAL_POINTS_CAP)


TUNERS.add(
    "bayesian",
    TunerKind(
        "BayesianOptimization",
        lambda c, t: {
            **_common(c),
            "max_trials": c.max_trials,
            "num_initial_points": initial_points(c.max_trials),
        },
        "Gaussian-process Bayesian optimization after a few random trials",
    ),
)
TUNERS.add(
    "hyperband",
    TunerKind(
        "Hyperband",
        # Hyperband sizes itself from max_epochs and factor; max_trials does not apply.
        lambda c, t: {**_common(c), "max_epochs": t.epochs, "factor": c.hyperband_factor},
        "successive halving over epochs (training.epochs is the largest budget)",
    ),
)


def _asha(config: TunerConfig, training: TrainingConfig) -> dict[str, Any]:
    from search.tuning.rung_points import cheap_objectives
    from search.tuning.stopping import reduction_factor

    return {
        **_common(config),
        "max_trials": config.max_trials,  # every round counts, promotions too
        "max_epochs": training.epochs,
        "factor": reduction_factor(config),
        "min_epochs": config.early_stopping.min_epochs,
        "cheap": cheap_objectives(config.all_objectives),  # none with one objective
    }


TUNERS.add(
    "asha",
    TunerKind(
        "search.tuning.asha.AshaTuner",
        _asha,
        "random sampling, asynchronous successive halving over epochs (no worker waits)",
    ),
)
TUNERS.add(
    "grid",
    TunerKind(
        "GridSearch",
        lambda c, t: {**_common(c), "max_trials": c.max_trials},
        "every combination of the discrete values, in order, up to max_trials",
    ),
)


def check_tuner(config: TunerConfig) -> None:
    """Raises ConfigError for an unknown tuner, or a stopping rule its kind contradicts."""
    from search.stopping_config import rule_for_kind

    TUNERS.get(config.kind)
    rule_for_kind(config.kind, config.early_stopping.rule)


class TrialCallbacksMixin:
    """Mixed in before a keras-tuner Tuner: each trial trains with the callbacks every
    training gets (`search.tuning.training`), its epochs relayed under its trial id."""

    callbacks_for: Callable[[str], list[Any]]  # set by build_tuner
    trial_oracle: Any  # set by build_tuner: a `search.tuning.oracle.TrialOracle`
    carry_measures = False  # several objectives: epoch reports carry params and FLOPs
    built_so_far: Callable[[], dict[str, float]]  # `MeasuredTrialsMixin`'s

    def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> Any:
        from search.tuning.stopping import TrialStopper

        callbacks = [*kwargs.get("callbacks", []), *self.callbacks_for(trial.trial_id)]
        if self.trial_oracle.stopping:
            carried = self.built_so_far if self.carry_measures else None
            callbacks.append(TrialStopper(self.trial_oracle, trial.trial_id, carried))
        kwargs["callbacks"] = callbacks
        return super().run_trial(trial, *args, **kwargs)  # type: ignore[misc]


def tracked_class(kind: TunerKind) -> type:
    """The keras-tuner class with the trial's callbacks and the leaner per-trial work."""
    import keras_tuner as kt

    from search.tuning.lean import SingleCleanupMixin
    from search.tuning.measured import MeasuredTrialsMixin

    if "." in kind.class_name:  # one of ours, as module.Class
        module, _, name = kind.class_name.rpartition(".")
        base = getattr(importlib.import_module(module), name)
    else:
        base = getattr(kt, kind.class_name)
    mixins = (MeasuredTrialsMixin, TrialCallbacksMixin, SingleCleanupMixin)
    return type(f"Tracked{kind.class_name}", (*mixins, base), {})


def build_tuner(
    config: TunerConfig,
    training: TrainingConfig,
    hypermodel: Any,
    directory: Path,
    listeners: Sequence[Any],
    resume: bool,
    warm_start: Any = None,
    trials_per_process: int | None = None,
    deadline: float | None = None,
    clock: Any = None,
) -> Any:
    """A keras-tuner tuner writing its project to `directory`, reloading it when `resume`;
    a new one's first trial is `warm_start` (a `search.tuning.warm_start.WarmStart`) if given.

    Its oracle is wrapped once (`tuner.trial_oracle`: events to `listeners`, the time budget
    ending at `deadline` (wall clock) less what `clock` (a `BudgetClock`) measures of the work
    after the trials, the stopping rule, warm start, retries, ParEGO with several objectives
    on a Bayesian oracle); a parallel worker's stops after `trials_per_process` trials."""
    from search.tuning import parego
    from search.tuning.oracle import TrialOracle
    from search.tuning.stopping import rule_of
    from search.tuning.training import distribution_strategy, training_callbacks

    kind = TUNERS.get(config.kind)
    tuner = tracked_class(kind)(
        hypermodel=hypermodel,
        directory=str(directory.parent),
        project_name=directory.name,
        overwrite=not resume,
        distribution_strategy=distribution_strategy(training.distribution_strategy),
        **kind.arguments(config, training),
    )
    tuner.callbacks_for = partial(training_callbacks, training, config.objective, list(listeners))
    tuner.constraints, tuner.measure_listeners = config.constraints, list(listeners)
    tuner.carry_measures = config.several
    trained = getattr(getattr(hypermodel, "spec", None), "split_sizes", {}).get("train")
    if trained:  # a size known (a test's hand-made hypermodel may have none)
        from search.data.subset import subset_size

        explored = subset_size(trained, config.explore_fraction)
        tuner.trial_samples = explored  # each trial counts its compute
        if config.explore_fraction < 1.0 and hasattr(hypermodel, "schedule_span"):
            # trials train on a subset: their learning-rate schedules span it
            hypermodel.schedule_span = (explored, training.epochs)
    tuner.trial_oracle = TrialOracle(
        tuner.oracle,
        listeners,
        deadline=deadline,
        warm_start=None if resume else warm_start,
        trials_per_process=trials_per_process,
        rule=rule_of(config, training),
        proposals=parego.install(tuner.oracle, config.all_objectives, config.seed),
        epochs=training.epochs,
        clock=clock,
    )
    tuner.parallel = not tuner.trial_oracle.local  # a worker: others train beside it
    if resume:
        tuner.trial_oracle.forget_ended_retries()
    return tuner
