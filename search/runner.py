"""Runs one search: validate everything, tune, track, then export and register the best model.

Everything that can be wrong with the user's input is checked before the first byte is
written (output directory, MLflow store, keras-tuner project).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from search.experiment import Experiment, HyperparameterOverride
from search.tuning.events import TrialListener

log = logging.getLogger(__name__)


@dataclass
class SearchResult:
    """What a finished search produced, for printing and for later commands."""

    experiment: str
    objective: str
    best_score: float | None
    best_hyperparameters: dict[str, Any]
    test_metrics: dict[str, float]
    parent_run_id: str
    tracking_uri: str
    model_uri: str
    registered_model: str
    model_version: str
    best_config_path: str
    trials: dict[str, int] = field(default_factory=dict)
    resumed: bool = False


def best_experiment(experiment: Experiment, hyperparameters: dict[str, Any]) -> Experiment:
    """The experiment with every hyperparameter fixed to the best trial's value: rerunnable."""
    fixed = {name: HyperparameterOverride(fixed=value) for name, value in hyperparameters.items()}
    space = experiment.space.model_copy(update={"hyperparameters": fixed})
    tuner = experiment.tuner.model_copy(update={"max_trials": 1, "kind": "random"})
    return experiment.model_copy(
        update={"name": f"{experiment.name}-best", "space": space, "tuner": tuner}
    )


def run_search(
    experiment: Experiment,
    tracking_uri: str | None = None,
    fresh: bool = False,
    listeners: Sequence[TrialListener] = (),
) -> SearchResult:
    """Validates, searches, evaluates the best model on the test split, and records it all."""
    import keras

    from search import tracking, workspace
    from search.data.loading import load_dataset
    from search.tuning.hypermodel import SpaceHyperModel, check_overrides
    from search.tuning.tuners import TUNERS
    from spaces import SPACES

    # 1. Validate every input; nothing is written before this block ends.
    space = SPACES.get(experiment.space.name)
    TUNERS.get(experiment.tuner.kind)
    uri = tracking.resolve_tracking_uri(tracking_uri or experiment.tracking.tracking_uri)
    workspace.check_writable(experiment)
    keras.utils.set_random_seed(experiment.tuner.seed)
    data = load_dataset(experiment.dataset)
    hypermodel = SpaceHyperModel(space, data.spec, experiment.space.hyperparameters)
    check_overrides(hypermodel)
    log.info("%s", data.describe())

    # 2. Open (or reopen) the search in MLflow and on disk.
    client = tracking.connect(uri)
    previous = None if fresh else workspace.unfinished(experiment)
    if previous is not None and previous.state.get("parent_run_id"):
        search_dir = previous
        tracker = tracking.SearchTracker.reopen(client, uri, previous.state["parent_run_id"])
        log.info("resuming the unfinished search in %s", search_dir.path)
    else:
        search_dir = workspace.new_search_dir(experiment)
        tracker = tracking.SearchTracker.start(
            client,
            uri,
            tracking.experiment_id(client, experiment.mlflow_experiment, uri),
            run_name=f"{experiment.name}-{search_dir.state['stamp']}",
            config=experiment.model_dump(mode="json"),
            data_identity=data.spec.identity(),
            tags={
                "search.experiment": experiment.name,
                "search.space": space.name,
                "search.tuner": experiment.tuner.kind,
                "search.dir": str(search_dir.path),
            },
        )
        search_dir.save(parent_run_id=tracker.parent_run_id, tracking_uri=uri)
    try:
        result = _search_and_record(experiment, data, hypermodel, search_dir, tracker, listeners)
    except KeyboardInterrupt:
        tracker.finish("KILLED")
        raise
    except BaseException:
        tracker.finish("FAILED")
        raise
    result.resumed = previous is not None
    return result


def _search_and_record(
    experiment: Experiment,
    data: Any,
    hypermodel: Any,
    search_dir: Any,
    tracker: Any,
    listeners: Sequence[TrialListener],
) -> SearchResult:
    from search.data.pipeline import evaluation_pipeline, training_pipeline
    from search.errors import SearchError
    from search.tuning.tuners import build_tuner
    from search.workspace import experiment_root

    training = experiment.training
    tuner = build_tuner(
        experiment.tuner,
        training,
        hypermodel,
        search_dir.tuner_dir,
        listeners=[tracker, *listeners],
        resume=(search_dir.tuner_dir / "oracle.json").exists(),
    )
    train = training_pipeline(
        data.train, training.batch_size, experiment.tuner.seed, data.spec.split_sizes["train"]
    )
    validation = evaluation_pipeline(data.validation, training.batch_size)
    callbacks = _callbacks(experiment)
    started = time.monotonic()
    tuner.search(
        train, validation_data=validation, epochs=training.epochs, callbacks=callbacks, verbose=0
    )
    log.info("search took %.1fs", time.monotonic() - started)

    trials = list(tuner.oracle.trials.values())
    counts = {
        status: sum(str(t.status) == status for t in trials)
        for status in ("COMPLETED", "FAILED", "INVALID", "RUNNING")
    }
    completed = [t for t in trials if str(t.status) == "COMPLETED" and t.score is not None]
    if not completed:
        raise SearchError(
            f"no trial completed ({counts['FAILED']} failed); their reasons are on the failed "
            "trial runs in MLflow. Fix the experiment, then run it with --fresh to start anew"
        )
    best_trial = tuner.oracle.get_best_trials(1)[0]
    best_hps = dict(best_trial.hyperparameters.values)
    model = tuner.get_best_models(1)[0]
    test = evaluation_pipeline(data.test, training.batch_size)
    test_metrics = {
        k: float(v) for k, v in model.evaluate(test, verbose=0, return_dict=True).items()
    }

    best_config = best_experiment(experiment, best_hps).to_yaml()
    search_dir.best_config.write_text(best_config)
    shutil.copyfile(search_dir.best_config, experiment_root(experiment) / "best.yaml")
    tracker.log_best(best_trial.score, best_hps, test_metrics, best_config)
    sample = next(iter(test.take(1)))[0].numpy()[:8]
    model_uri, version = tracker.log_model(model, sample, experiment.registered_model)
    tracker.finish("FINISHED")
    search_dir.save(status="finished")
    return SearchResult(
        experiment=experiment.name,
        objective=experiment.tuner.objective.name,
        best_score=best_trial.score,
        best_hyperparameters=best_hps,
        test_metrics=test_metrics,
        parent_run_id=tracker.parent_run_id,
        tracking_uri=tracker.uri,
        model_uri=model_uri,
        registered_model=experiment.registered_model,
        model_version=version,
        best_config_path=str(search_dir.best_config),
        trials=counts,
    )


def _callbacks(experiment: Experiment) -> list[Any]:
    import keras

    patience = experiment.training.early_stopping_patience
    if patience is None:
        return []
    return [
        keras.callbacks.EarlyStopping(
            monitor=experiment.tuner.objective.name,
            mode=experiment.tuner.objective.direction,
            patience=patience,
            restore_best_weights=False,
        )
    ]


def result_yaml(result: SearchResult) -> str:
    return yaml.safe_dump(result.__dict__, sort_keys=False)
