"""Trains one model from fixed hyperparameters, through the same pieces a search trial uses.

Same dataset loading, same `SpaceHyperModel` (every hyperparameter fixed by the source's
experiment), same input pipelines and seed; the run is recorded in the source's MLflow
experiment with tags that link it back (`search.source`, `search.source_run_id`), and its
model is registered under the source's model name with the alias `retrained` (`champion`
moves only when asked).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

import keras
import yaml

from search.errors import ConfigError
from search.experiment import Experiment
from search.reuse.sources import TRAIN_PARAM_PREFIX, Source

log = logging.getLogger(__name__)

RETRAINED = "retrained"
CHAMPION = "champion"


@dataclass(frozen=True)
class TrainOptions:
    """What may change from the source: how long, which seed, on which data; where it goes."""

    epochs: int | None = None
    seed: int | None = None
    batch_size: int | None = None
    data_dir: str | None = None
    with_validation: bool = False  # train on train+validation (no validation score then)
    model_name: str | None = None
    alias: str = RETRAINED
    champion: bool = False


@dataclass
class TrainResult:
    run_id: str
    source: Source
    experiment: Experiment
    hyperparameters: dict[str, Any]
    objective: str
    validation_score: float | None  # best epoch's objective, as keras-tuner scores a trial
    final_validation: float | None
    best_epoch: int | None
    test_metrics: dict[str, float]
    model_uri: str
    registered_model: str
    model_version: str
    aliases: list[str] = field(default_factory=list)
    tracking_uri: str = ""


def check_alias(alias: str) -> None:
    """MLflow refuses these aliases only after the model is logged; refuse them first."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", alias) or re.fullmatch(
        r"(?i)latest|v\d+", alias
    ):
        raise ConfigError(
            f"alias must be letters, digits, '_' or '-', not 'latest' or v<number>, got '{alias}'"
        )


def train_from_source(
    source: Source, uri: str, options: TrainOptions = TrainOptions()
) -> TrainResult:
    """Validates everything, then trains, evaluates on test, logs and registers one model.

    Nothing is written (not even a new MLflow store) until every input has been checked.
    """
    from search.tuning.prepare import prepare

    check_alias(options.alias)
    experiment = source.experiment.with_overrides(
        **{
            "training.epochs": options.epochs,
            "tuner.seed": options.seed,
            "training.batch_size": options.batch_size,
            "dataset.data_dir": options.data_dir,
        }
    )
    data, hypermodel = prepare(experiment)
    keras.backend.clear_session()
    keras.utils.set_random_seed(experiment.tuner.seed)
    model, values = build_fixed(hypermodel)
    from search import tracking

    client = tracking.connect(uri)
    run_id = _start_run(client, uri, source, experiment, values, options)
    try:
        return _fit_and_record(
            client, uri, run_id, source, experiment, model, values, data, options
        )
    except KeyboardInterrupt:
        client.set_terminated(run_id, status="KILLED")
        raise
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise


def build_fixed(hypermodel: Any) -> tuple[Any, dict[str, Any]]:
    """The model and its hyperparameter values; every override must be one the space declares.

    With every value fixed one build declares all the names in play, so unlike the search's
    `check_overrides` nothing needs exploring (a name from another space fails at once).
    """
    import keras_tuner as kt

    from search.registry import unknown_name_message

    hp = kt.HyperParameters()
    try:
        model, declared = hypermodel.build_declaring(hp)
    except Exception as error:
        raise ConfigError(
            f"space '{hypermodel.space.name}' cannot be built with these hyperparameters: {error}"
        ) from error
    unknown = sorted(set(hypermodel.overrides) - declared)
    if unknown:
        kind = f"hyperparameter of space '{hypermodel.space.name}'"
        raise ConfigError(
            f"space.hyperparameters: {unknown_name_message(kind, unknown[0], sorted(declared))}"
        )
    return model, dict(hp.values)


def _start_run(
    client: Any,
    uri: str,
    source: Source,
    experiment: Experiment,
    values: dict[str, Any],
    options: TrainOptions,
) -> str:
    from search import tracking

    tags = {
        "search.kind": "train",
        "search.source": source.reference,
        "search.source_kind": source.kind,
        "search.experiment": experiment.name,
        "search.space": experiment.space.name,
        "search.registered_model": options.model_name or source.registered_model,
    }
    if source.run_id:
        tags["search.source_run_id"] = source.run_id
    if source.search_run_id:
        tags["search.source_search"] = source.search_run_id
    run = client.create_run(
        tracking.experiment_id(client, source.mlflow_experiment, uri),
        run_name=f"train-{experiment.name}-{time.strftime('%Y%m%d-%H%M%S')}",
        tags=tags,
    )
    run_id = str(run.info.run_id)
    training = {
        "epochs": experiment.training.epochs,
        "seed": experiment.tuner.seed,
        "batch_size": experiment.training.batch_size,
        "with_validation": options.with_validation,
    }
    params = {k: str(v) for k, v in values.items()}
    params.update({f"{TRAIN_PARAM_PREFIX}{k}": str(v) for k, v in training.items()})
    _log_params(client, run_id, params)
    client.log_text(run_id, experiment.to_yaml(), "experiment.yaml")
    client.log_text(run_id, yaml.safe_dump(values, sort_keys=False), "hyperparameters.yaml")
    if source.score is not None:
        client.log_metric(run_id, "source_score", source.score)
    return run_id


def _fit_and_record(
    client: Any,
    uri: str,
    run_id: str,
    source: Source,
    experiment: Experiment,
    model: Any,
    values: dict[str, Any],
    data: Any,
    options: TrainOptions,
) -> TrainResult:
    from search import tracking
    from search.data.pipeline import evaluation_pipeline, training_pipeline
    from search.data.text import model_sample

    training, seed = experiment.training, experiment.tuner.seed
    sizes = data.spec.split_sizes
    if options.with_validation:
        train = training_pipeline(
            data.train.concatenate(data.validation),
            training.batch_size,
            seed,
            sizes["train"] + sizes["validation"],
        )
        validation = None
    else:
        train = training_pipeline(data.train, training.batch_size, seed, sizes["train"])
        validation = evaluation_pipeline(data.validation, training.batch_size)
    started = time.monotonic()
    history = model.fit(
        train,
        validation_data=validation,
        epochs=training.epochs,
        callbacks=[EpochsToMlflow(client, run_id)],
        verbose=0,
    )
    log.info("training took %.1fs", time.monotonic() - started)
    objective = experiment.tuner.objective
    curve = history.history.get(objective.name) if validation is not None else None
    best_epoch = None
    if curve:
        pick = max if objective.direction == "max" else min
        best_epoch = curve.index(pick(curve))
    test = evaluation_pipeline(data.test, training.batch_size)
    test_metrics = {
        k: float(v) for k, v in model.evaluate(test, verbose=0, return_dict=True).items()
    }
    metrics = {f"test_{k}": v for k, v in test_metrics.items()}
    if curve and best_epoch is not None:
        metrics.update(score=float(curve[best_epoch]), best_epoch=float(best_epoch))
    client.log_batch(run_id, metrics=_metrics(metrics))
    registered = options.model_name or source.registered_model
    sample = model_sample(next(iter(test.take(1)))[0].numpy()[:8])
    model_uri, version = tracking.log_keras_model(run_id, model, sample, registered)
    aliases = [
        options.alias,
        *([CHAMPION] if options.champion and options.alias != CHAMPION else []),
    ]
    for alias in aliases:
        client.set_registered_model_alias(registered, alias, version)
    client.set_terminated(run_id, status="FINISHED")
    return TrainResult(
        run_id=run_id,
        source=source,
        experiment=experiment,
        hyperparameters=values,
        objective=objective.name,
        validation_score=float(curve[best_epoch]) if curve and best_epoch is not None else None,
        final_validation=float(curve[-1]) if curve else None,
        best_epoch=best_epoch,
        test_metrics=test_metrics,
        model_uri=model_uri,
        registered_model=registered,
        model_version=version,
        aliases=aliases,
        tracking_uri=uri,
    )


def _log_params(client: Any, run_id: str, params: dict[str, str]) -> None:
    from mlflow.entities import Param

    items = [Param(k, v) for k, v in params.items()]
    for start in range(0, len(items), 100):  # MLflow takes at most 100 params a request
        client.log_batch(run_id, params=items[start : start + 100])


def _metrics(values: dict[str, float], step: int = 0) -> list[Any]:
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    return [Metric(k, float(v), now, step) for k, v in values.items()]


class EpochsToMlflow(keras.callbacks.Callback):
    """Every epoch's metrics on the training run at `step=epoch`, like a trial's."""

    def __init__(self, client: Any, run_id: str) -> None:
        super().__init__()
        self.client = client
        self.run_id = run_id

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        numbers = {}
        for name, value in (logs or {}).items():
            try:
                numbers[name] = float(value)
            except (TypeError, ValueError):
                continue
        self.client.log_batch(self.run_id, metrics=_metrics(numbers, epoch))
