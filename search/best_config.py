"""The best trial's configuration as an experiment of its own, rerunnable as it stands.

Below `runner` and `reuse` both (they write it after a search, and read it to retrain or
export a best trial), so neither has to reach into the other for it.
"""

from __future__ import annotations

from typing import Any

from search.experiment import Experiment, HyperparameterOverride
from search.tracking.schema import space_values


def best_experiment(experiment: Experiment, hyperparameters: dict[str, Any]) -> Experiment:
    """The experiment with every hyperparameter fixed to the best trial's value: rerunnable.
    keras-tuner's own bookkeeping values (a Hyperband trial's `tuner/epochs`, `tuner/bracket`,
    ...) are left out: they are no hyperparameters of the space, which would refuse them."""
    fixed = {
        name: HyperparameterOverride(fixed=value)
        for name, value in space_values(hyperparameters).items()
    }
    space = experiment.space.model_copy(update={"hyperparameters": fixed})
    tuner = experiment.tuner.model_copy(update={"max_trials": 1, "kind": "random"})
    return experiment.model_copy(
        update={"name": f"{experiment.name}-best", "space": space, "tuner": tuner}
    )
