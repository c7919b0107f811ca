"""Turns what a user names (a search, a run, a registered model, a file) into fixed hyperparameters.

One resolver serves `best`, `export`, `train` and `run --warm-start`, so every command accepts
the same references:

- an experiment name: the latest finished search in the MLflow experiment of that name;
- a run id: a search's parent run (its best trial), a trial run, or a training run;
- `models:/NAME@ALIAS` or `models:/NAME/VERSION`: the run that logged that model version;
- a YAML path: an experiment file whose hyperparameters are all fixed (e.g. from `export`).

Reading goes through `search.tracking.reader`; the records it reads are those the tracking
writers write (their names in `search.tracking.schema`; params = hyperparameters).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from search.errors import ConfigError, SearchError
from search.experiment import (
    Experiment,
    available_experiments,
    load_experiment,
    validate_experiment,
)
from search.tracking import reader
from search.tracking.schema import (
    EXPERIMENT_YAML,
    KIND,
    PARENT_TAG,
    REGISTERED_MODEL_TAG,
    SEARCH,
    SOURCE_SEARCH_TAG,
    STATUS_TAG,
    TRAIN,
    TRIAL,
)

RUN_ID = re.compile(r"^[0-9a-f]{32}$")
MODEL_URI = re.compile(r"^models:/(?P<name>[^@/]+)(?:@(?P<alias>[^/]+)|/(?P<version>\d+))$")


@dataclass(frozen=True)
class Source:
    """Fixed hyperparameters, the runnable experiment that fixes them, and where they came from."""

    reference: str  # as the user gave it
    kind: str  # file | search | trial | train
    experiment: Experiment  # every hyperparameter fixed to `hyperparameters`
    hyperparameters: dict[str, Any]
    mlflow_experiment: str  # where runs trained from this source are recorded
    registered_model: str  # the model name its retrained models are registered under
    run_id: str | None = None  # the run the values come from
    search_run_id: str | None = None  # the search that found them
    score: float | None = None
    objective: str | None = None

    def describe(self) -> str:
        where = f"run {self.run_id}" if self.run_id else self.reference
        score = "" if self.score is None else f", {self.objective}={self.score:.4f}"
        return f"{self.kind} {where}{score}"


def is_file_reference(reference: str) -> bool:
    """A path to an experiment file, rather than a name, a run id or a model URI."""
    if reference.startswith("models:/"):
        return False
    return reference.endswith((".yaml", ".yml")) or "/" in reference


def resolve_source(reference: str, client: Any = None) -> Source:
    """The source named by `reference`; a ConfigError in one line when it names nothing usable."""
    if is_file_reference(reference):
        return _from_file(reference)
    if client is None:
        raise ConfigError(f"'{reference}' is not a file, and no MLflow store was given")
    if reference.startswith("models:/"):
        run = _model_run(client, reference)
    elif RUN_ID.match(reference):
        run = reader.get_run(client, reference)
    else:
        run = latest_search(client, reference)
    return _from_run(client, run, reference)


def find_search_run(client: Any, reference: str) -> Any:
    """The parent run of a search: named by experiment, by its id, or by one of its trials."""
    if not RUN_ID.match(reference):
        return latest_search(client, reference)
    run = reader.get_run(client, reference)
    kind = run.data.tags.get(KIND)
    if kind == TRIAL:
        return reader.parent_of(client, run)
    if kind != SEARCH:
        raise ConfigError(
            f"run {reference} is not a search (its {KIND} tag is {kind or 'missing'})"
        )
    return run


def latest_search(client: Any, name: str) -> Any:
    """The latest FINISHED search run in the MLflow experiment `name` (or the one `name`'s
    experiment file records to)."""
    candidates = [name]
    known = available_experiments()
    if name in known:
        candidates.insert(0, load_experiment(name).mlflow_experiment)
    found = reader.find_experiment(client, candidates)
    if found is None:
        names = reader.experiment_names(client)
        raise ConfigError(
            f"no MLflow experiment '{name}' in the tracking store at {client.tracking_uri} "
            f"(it has: {', '.join(names) or 'none'}); name an experiment, a run id, "
            "a models:/NAME@ALIAS URI or a YAML file"
        )
    run = reader.latest_finished_search(client, found.experiment_id)
    if run is None:
        raise ConfigError(f"MLflow experiment '{found.name}' has no finished search yet")
    return run


def parse_param(text: str) -> Any:
    """A hyperparameter back from its MLflow param (logged as `str(value)`)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def fixed_values(experiment: Experiment, where: str) -> dict[str, Any]:
    """The experiment's hyperparameters, which must all be fixed to one value."""
    values: dict[str, Any] = {}
    for name, override in experiment.space.hyperparameters.items():
        if override.fixed is None:
            raise ConfigError(
                f"{where}: hyperparameter '{name}' is not fixed (a range or choices); "
                "use a best config (`search export`) or a run id"
            )
        values[name] = override.fixed
    if not values:
        raise ConfigError(f"{where}: it fixes no hyperparameter; use a best config or a run id")
    return values


def _from_file(reference: str) -> Source:
    experiment = load_experiment(reference)
    return Source(
        reference=reference,
        kind="file",
        experiment=experiment,
        hyperparameters=fixed_values(experiment, reference),
        mlflow_experiment=experiment.mlflow_experiment,
        registered_model=experiment.registered_model,
    )


def _model_run(client: Any, uri: str) -> Any:
    match = MODEL_URI.match(uri)
    if match is None:
        raise ConfigError(f"model URI '{uri}' must look like models:/NAME@ALIAS or models:/NAME/N")
    return reader.model_version_run(client, uri, match["name"], match["alias"], match["version"])


def _from_run(client: Any, run: Any, reference: str) -> Source:
    tags = run.data.tags
    kind = tags.get(KIND) or ""
    read = {SEARCH: _search_values, TRIAL: _trial_values, TRAIN: _train_values}.get(kind)
    if read is None:
        raise ConfigError(
            f"run {run.info.run_id} was not written by `search` (its {KIND} tag is "
            f"{kind or 'missing'}); give a search, trial or training run"
        )
    origin, hps, search_run_id, score = read(client, run)
    from search.best_config import best_experiment

    return Source(
        reference=reference,
        kind=kind,
        experiment=origin if kind == TRAIN else best_experiment(origin, hps),
        hyperparameters=dict(hps),
        mlflow_experiment=reader.experiment_name(client, run.info.experiment_id),
        registered_model=tags.get(REGISTERED_MODEL_TAG, origin.registered_model),
        run_id=run.info.run_id,
        search_run_id=search_run_id,
        score=run.data.metrics.get(score),
        objective=origin.tuner.objective.name,
    )


# Each returns (the search's config, the hyperparameters, the search run id, the score metric).
Recorded = tuple[Experiment, dict[str, Any], str | None, str]


def _search_values(client: Any, run: Any) -> Recorded:
    run_id = run.info.run_id
    hps = reader.best_hyperparameters(client, run_id)
    if not isinstance(hps, dict) or not hps:
        raise ConfigError(
            f"search run {run_id} has no best trial recorded (status {run.info.status})"
        )
    return _config(client, run_id), hps, run_id, "best_score"


def _trial_values(client: Any, run: Any) -> Recorded:
    status = run.data.tags.get(STATUS_TAG, run.info.status)
    if status != "COMPLETED":
        raise ConfigError(f"trial run {run.info.run_id} did not complete (status {status})")
    hps = {k: parse_param(v) for k, v in run.data.params.items()}
    parent = run.data.tags[PARENT_TAG]
    return _config(client, parent), hps, parent, "score"


def _train_values(client: Any, run: Any) -> Recorded:
    """A training run logs its fixed experiment and typed hyperparameters as artifacts."""
    hps = reader.trained_hyperparameters(client, run.info.run_id) or {}
    search_run_id = run.data.tags.get(SOURCE_SEARCH_TAG)
    return _config(client, run.info.run_id), hps, search_run_id, "score"


def _config(client: Any, run_id: str) -> Experiment:
    data = reader.experiment_config(client, run_id)
    if not isinstance(data, dict):
        raise SearchError(f"run {run_id} has no {EXPERIMENT_YAML} artifact to rebuild its config")
    return validate_experiment(data, source=f"{EXPERIMENT_YAML} of run {run_id}")
