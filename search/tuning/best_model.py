"""The best trial's model, and its scores on the test split, once the trials have ended."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from search.data.pipeline import evaluation_pipeline
from search.data.samples import signature_sample
from search.experiment import Experiment
from search.tuning.keras_tuner_internals import checkpoint_path
from search.tuning.recipe import batch_size_of
from search.tuning.stopping import furthest_trained
from search.tuning.test_time_flip import with_test_time_flip
from search.tuning.training import pipelines, train

log = logging.getLogger(__name__)


def best_of(oracle: Any) -> Any:
    """The best trial among those that trained furthest: a trial stopped after 2 epochs never
    beats one trained for 20 on a noisy early score. Trials stopped by no rule count as
    trained as far as they were meant to; among equals, keras-tuner's order (best score)."""
    return furthest_trained(oracle.get_best_trials(len(oracle.trials)))


def best_model(tuner: Any, trial: Any, experiment: Experiment, data: Any) -> Any:
    """The best trial's model from its checkpoint; retrained from its hyperparameters when
    the checkpoint stayed on a worker host that does not share the search directory."""
    checkpoint = Path(checkpoint_path(tuner, trial.trial_id))
    if checkpoint.exists():
        return tuner.load_model(trial)
    epochs = (trial.best_step or 0) + 1
    log.info(
        "trial %s's checkpoint is not on this host (%s): retraining it for %d epochs",
        trial.trial_id,
        checkpoint,
        epochs,
    )
    model = tuner.build_trial_model(trial.hyperparameters)  # under the distribution strategy
    batch = batch_size_of(experiment.training, trial.hyperparameters.values)
    train(model, experiment, *pipelines(experiment, data, batch_size=batch), epochs=epochs)
    return model


def evaluate(model: Any, experiment: Experiment, data: Any) -> tuple[Any, dict[str, float], Any]:
    """The model as it is registered (averaging over mirror images with
    `dataset.augment.test_time_flip`), its metrics on the test split, and a few test inputs as
    its signature sample."""
    model = with_test_time_flip(model, experiment.dataset.augment)
    test = evaluation_pipeline(data.test, experiment.training.batch_size)
    metrics = {k: float(v) for k, v in model.evaluate(test, verbose=0, return_dict=True).items()}
    return model, metrics, signature_sample(test)
