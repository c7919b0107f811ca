"""One way to train a model, whoever asks: a search trial, the chief's retrain, `search train`.

The same pieces every time: the tf.data pipelines and epochs (`fit_arguments`, `pipelines`),
and the callbacks every training gets (`training_callbacks`: early stopping on the objective
when there is validation data, the non-finite-loss guard, each epoch relayed to listeners).
`train` fits a model with them. In a search, keras-tuner's `run_trial` owns the `fit` call
(it adds its checkpoint and runs each execution), so the tuner hands it these same
callbacks (`search.tuning.tuners`) and `search` gets these same arguments.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator, Sequence
from typing import Any

import keras
import keras_tuner as kt

from search.errors import TrainingError
from search.experiment import Experiment, TrainingConfig
from search.objectives_config import ObjectiveConfig
from search.tuning.events import is_number, relay
from search.tuning.precise_bn import PreciseBatchNorm

log = logging.getLogger(__name__)


def distribution_strategy(name: str) -> Any:
    """The tf.distribute strategy a model trains under (None: TensorFlow's default)."""
    if name == "none":
        return None
    import tensorflow as tf

    return tf.distribute.MirroredStrategy()


@contextlib.contextmanager
def strategy_scope(strategy: Any) -> Iterator[None]:
    """Build a model inside this so that it trains under `strategy` (None: as usual)."""
    with kt.engine.tuner.maybe_distribute(strategy):
        yield


def pipelines(
    experiment: Experiment,
    data: Any,
    with_validation: bool = False,
    batch_size: int | None = None,
    fraction: float = 1.0,
) -> tuple[Any, Any]:
    """The training pipeline (batches of `batch_size`, default `training.batch_size`) and the
    validation one; `with_validation` trains on train and validation together (then there is
    no validation pipeline: None); `fraction` < 1 trains on a seeded subset of train."""
    from search.data.pipeline import evaluation_pipeline, training_pipeline

    batch, seed, sizes = (
        batch_size or experiment.training.batch_size,
        experiment.tuner.seed,
        data.spec.split_sizes,
    )
    if with_validation:
        both = data.train.concatenate(data.validation)
        size = sizes["train"] + sizes["validation"]
        return _weighted(training_pipeline(both, batch, seed, size), experiment, both), None
    examples, subset = sizes["train"], data.train
    if fraction < 1.0:
        from search.data.subset import seeded_subset, subset_size

        examples = subset_size(sizes["train"], fraction)
        subset = seeded_subset(data.train, sizes["train"], examples, seed)
    train = training_pipeline(subset, batch, seed, examples)
    return _weighted(train, experiment, data.train), evaluation_pipeline(data.validation, batch)


def _weighted(batches: Any, experiment: Experiment, examples: Any) -> Any:
    """With `training.class_weight: balanced`, each training example weighs
    n / (classes * n_class), so every class counts as much in the loss; validation and test
    are scored unweighted."""
    if experiment.training.class_weight is None:
        return batches
    from search.data.class_weights import balanced_weights, with_sample_weights

    return with_sample_weights(batches, balanced_weights(examples))


def trial_examples(experiment: Experiment, spec: Any) -> int:
    """Examples a trial trains on in an epoch: train, or its `tuner.explore_fraction`."""
    from search.data.subset import subset_size

    return subset_size(spec.split_sizes["train"], experiment.tuner.explore_fraction)


def fit_arguments(experiment: Experiment, data: Any) -> dict[str, Any]:
    """What every trial's `model.fit` gets besides its callbacks: pipelines and epochs; with
    `tuner.explore_fraction` < 1, trials train on that share of train (the refit on all)."""
    train, validation = pipelines(experiment, data, fraction=experiment.tuner.explore_fraction)
    return {
        "x": train,
        "validation_data": validation,
        "epochs": experiment.training.epochs,
        "verbose": 0,
    }


def training_callbacks(
    training: TrainingConfig,
    objective: ObjectiveConfig,
    listeners: Sequence[Any] = (),
    run_id: str = "",
    validation: bool = True,
) -> list[keras.callbacks.Callback]:
    """The callbacks every training gets; `run_id` names it to the listeners (a trial id)."""
    found: list[keras.callbacks.Callback] = []
    if training.early_stopping_patience is not None and validation:
        found.append(
            keras.callbacks.EarlyStopping(
                monitor=objective.name,
                mode=objective.direction,
                patience=training.early_stopping_patience,
                restore_best_weights=False,
            )
        )
    found.append(NonFiniteLossGuard())
    if listeners:
        found.append(EpochRelay(listeners, run_id))
    return found


def train(
    model: keras.Model,
    experiment: Experiment,
    train: Any,
    validation: Any = None,
    *,
    epochs: int | None = None,
    listeners: Sequence[Any] = (),
    run_id: str = "",
    callbacks: Sequence[keras.callbacks.Callback] = (),
    purpose: str = "training",
) -> keras.callbacks.History:
    """Fits `model` on the `train` pipeline (scored on `validation` when given) for `epochs`
    (default: the experiment's) with every training's callbacks and `callbacks` after them;
    logs how long it took, named by `purpose`.

    Raises TrainingError when the loss turns NaN or infinite."""
    everyone = training_callbacks(
        experiment.training,
        experiment.tuner.objective,
        listeners,
        run_id,
        validation=validation is not None,
    )
    started = time.monotonic()
    ready = ready_to_fit(model, train)
    try:
        history = model.fit(
            train,
            validation_data=validation,
            epochs=epochs or experiment.training.epochs,
            callbacks=[*everyone, *callbacks, *ready],
            verbose=0,
        )
    except kt.errors.FailedTrialError as error:
        raise TrainingError(f"training failed: {error}") from error
    log.info("%s took %.1fs", purpose, time.monotonic() - started)
    return history


def ready_to_fit(model: keras.Model, train: Any) -> list[keras.callbacks.Callback]:
    """What every `fit` here does first, a trial's (`SpaceHyperModel.fit`) or `train`'s: the
    optimizer built, and the callbacks added last (precise BN over the `train` batches,
    when the training pipeline is known)."""
    build_optimizer(model)
    return [] if train is None else [PreciseBatchNorm(train)]


def build_optimizer(model: keras.Model) -> None:
    """Creates the optimizer's slot variables before the first training step.

    Keras otherwise creates them inside the first traced step, and TensorFlow then traces the
    step a second time: about 3.5 s of every trial's start on the quality benchmark's residual
    net (a 1-epoch trial took 14 s, its epoch's compute 3 s). A model not built yet (a
    subclassed one) is left to Keras."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or optimizer.built or not model.built:
        return
    with model.distribute_strategy.scope():
        optimizer.build(model.trainable_variables)


class EpochRelay(keras.callbacks.Callback):
    """Sends each epoch's logs to the listeners; shared, not copied, across executions."""

    def __init__(self, listeners: Sequence[Any], run_id: str) -> None:
        super().__init__()
        self.listeners = listeners
        self.run_id = run_id

    def __deepcopy__(self, memo: dict[int, Any]) -> EpochRelay:
        return self  # keras-tuner deep-copies callbacks per execution; this one holds listeners

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        metrics = {k: float(v) for k, v in (logs or {}).items() if is_number(v)}
        relay(self.listeners, "epoch_ended", self.run_id, epoch, metrics)


class NonFiniteLossGuard(keras.callbacks.Callback):
    """Fails the training when its loss turns NaN or infinite.

    Keras's own TerminateOnNaN only stops training, and a trial would then complete with a
    meaningless score; keras-tuner marks a trial raising FailedTrialError FAILED at once.
    """

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._check((logs or {}).get("loss"), f"batch {batch}")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._check((logs or {}).get("loss"), f"epoch {epoch}")

    def _check(self, loss: Any, where: str) -> None:
        if loss is not None and not math.isfinite(float(loss)):
            self.model.stop_training = True
            raise kt.errors.FailedTrialError(f"non-finite training loss ({float(loss)}) at {where}")
