"""Trains one model from fixed hyperparameters, through the same pieces a search trial uses.

Same dataset loading, same `SpaceHyperModel` (every hyperparameter fixed by the source's
experiment), same input pipelines, seed, early stopping and non-finite-loss guard; the run is
recorded in the source's MLflow experiment with tags that link it back, through a journal in a
training directory (`<output_dir>/<experiment>/train-<stamp>/`) so that a tracking outage
loses nothing (`search sync` writes what waited). Its model is registered under the source's
model name with the alias `retrained` (`champion` moves only when asked).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from search.errors import ConfigError
from search.experiment import Experiment
from search.reuse.sources import Source
from search.tracking.schema import BEST_EPOCH, RETRAINED, SCORE, TEST_PREFIX

log = logging.getLogger(__name__)


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
    train_dir: str = ""
    pending_records: int = 0  # tracking records MLflow did not take yet (`search sync`)


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
    import keras

    from search.reuse.train_record import TrainRecord
    from search.tuning.determinism import seed_everything
    from search.tuning.prepare import prepare
    from search.tuning.training import distribution_strategy, strategy_scope

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
    seed_everything(experiment.tuner.seed, experiment.training.deterministic)
    with strategy_scope(distribution_strategy(experiment.training.distribution_strategy)):
        model, values = build_fixed(hypermodel)
    record = TrainRecord.open(uri, source, experiment, values, options)
    return record.guard(
        lambda: _train_and_record(record, source, experiment, model, values, data, options)
    )


def _train_and_record(
    record: Any,
    source: Source,
    experiment: Experiment,
    model: Any,
    values: dict[str, Any],
    data: Any,
    options: TrainOptions,
) -> TrainResult:
    trained = _train_and_evaluate(experiment, model, data, options, record, values)
    curve, best_epoch = trained["curve"], trained["best_epoch"]
    score = float(curve[best_epoch]) if curve and best_epoch is not None else None
    metrics = {f"{TEST_PREFIX}{k}": v for k, v in trained["test_metrics"].items()}
    if score is not None:
        metrics.update({SCORE: score, BEST_EPOCH: float(best_epoch)})
    saved = record.finish(metrics, trained["model"], trained["sample"])
    return TrainResult(
        run_id=saved.run_id,
        source=source,
        experiment=experiment,
        hyperparameters=values,
        objective=trained["objective"],
        validation_score=score,
        final_validation=float(curve[-1]) if curve else None,
        best_epoch=best_epoch,
        test_metrics=trained["test_metrics"],
        model_uri=saved.model_uri,
        registered_model=saved.registered_model,
        model_version=saved.model_version,
        aliases=saved.aliases,
        tracking_uri=saved.tracking_uri,
        train_dir=saved.train_dir,
        pending_records=saved.pending_records,
    )


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


def _train_and_evaluate(
    experiment: Experiment,
    model: Any,
    data: Any,
    options: TrainOptions,
    record: Any,
    values: dict[str, Any],
) -> dict[str, Any]:
    """Fits on train (+validation when asked), scores the best epoch, evaluates on test."""
    from search.tuning.best_model import evaluate
    from search.tuning.recipe import batch_size_of
    from search.tuning.training import pipelines, train

    batch = options.batch_size or batch_size_of(experiment.training, values)
    training_data, validation = pipelines(experiment, data, options.with_validation, batch)
    history = train(
        model, experiment, training_data, validation, callbacks=[record.epoch_callback()]
    )
    objective = experiment.tuner.objective
    curve = history.history.get(objective.name) if validation is not None else None
    best_epoch = None
    if curve:
        pick = max if objective.direction == "max" else min
        best_epoch = curve.index(pick(curve))
    model, test_metrics, sample = evaluate(model, experiment, data)  # as it is registered
    return {
        "objective": objective.name,
        "curve": curve,
        "best_epoch": best_epoch,
        "test_metrics": test_metrics,
        "model": model,
        "sample": sample,
    }
