"""Turns what a user names (a search, a run, a registered model, a file) into fixed hyperparameters.

One resolver serves `best`, `export`, `train` and `run --warm-start`, so every command accepts
the same references:

- an experiment name: the latest finished search in the MLflow experiment of that name;
- a run id: a search's parent run (its best trial), a trial run, or a training run;
- `models:/NAME@ALIAS` or `models:/NAME/VERSION`: the run that logged that model version;
- a YAML path: an experiment file whose hyperparameters are all fixed (e.g. from `export`).

Reading goes through `MlflowClient` directly; the records it reads are those `tracking.py`
writes (tags `search.kind`, `search.trial_id`, artifacts `experiment.yaml`,
`best_hyperparameters.yaml`, params = hyperparameters).
"""

from __future__ import annotations

import ast
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.errors import ConfigError, SearchError
from search.experiment import (
    Experiment,
    available_experiments,
    load_experiment,
    validate_experiment,
)
from search.yaml_loader import load_yaml

RUN_ID = re.compile(r"^[0-9a-f]{32}$")
MODEL_URI = re.compile(r"^models:/(?P<name>[^@/]+)(?:@(?P<alias>[^/]+)|/(?P<version>\d+))$")
PARENT_TAG = "mlflow.parentRunId"
TRAIN_PARAM_PREFIX = "train."  # training settings of a `search train` run, not hyperparameters


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
        run = get_run(client, reference)
    else:
        run = latest_search(client, reference)
    return _from_run(client, run, reference)


def find_search_run(client: Any, reference: str) -> Any:
    """The parent run of a search: named by experiment, by its id, or by one of its trials."""
    if not RUN_ID.match(reference):
        return latest_search(client, reference)
    run = get_run(client, reference)
    kind = run.data.tags.get("search.kind")
    if kind == "trial":
        return get_run(client, run.data.tags[PARENT_TAG])
    if kind != "search":
        raise ConfigError(
            f"run {reference} is not a search (its search.kind tag is {kind or 'missing'})"
        )
    return run


def get_run(client: Any, run_id: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_run(run_id)
    except MlflowException:
        raise ConfigError(
            f"no MLflow run '{run_id}' in the tracking store at {client.tracking_uri}"
        ) from None


def latest_search(client: Any, name: str) -> Any:
    """The latest FINISHED search run in the MLflow experiment `name` (or the one `name`'s
    experiment file records to)."""
    candidates = [name]
    known = available_experiments()
    if name in known:
        candidates.insert(0, load_experiment(name).mlflow_experiment)
    found = next((e for e in map(client.get_experiment_by_name, candidates) if e is not None), None)
    if found is None:
        names = sorted(e.name for e in client.search_experiments() if e.name != "Default")
        raise ConfigError(
            f"no MLflow experiment '{name}' in the tracking store at {client.tracking_uri} "
            f"(it has: {', '.join(names) or 'none'}); name an experiment, a run id, "
            "a models:/NAME@ALIAS URI or a YAML file"
        )
    runs = client.search_runs(
        [found.experiment_id],
        filter_string="tags.`search.kind` = 'search' and attributes.status = 'FINISHED'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    if not runs:
        raise ConfigError(f"MLflow experiment '{found.name}' has no finished search yet")
    return runs[0]


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
    from mlflow.exceptions import MlflowException

    match = MODEL_URI.match(uri)
    if match is None:
        raise ConfigError(f"model URI '{uri}' must look like models:/NAME@ALIAS or models:/NAME/N")
    name, alias, version = match["name"], match["alias"], match["version"]
    try:
        registered = client.get_registered_model(name)
    except MlflowException:
        known = sorted(m.name for m in client.search_registered_models())
        raise ConfigError(
            f"no registered model '{name}' (registered: {', '.join(known) or 'none'})"
        ) from None
    try:
        if alias:
            found = client.get_model_version_by_alias(name, alias)
        else:
            found = client.get_model_version(name, version)
    except MlflowException:
        which = f"alias '{alias}'" if alias else f"version {version}"
        aliases = ", ".join(sorted(registered.aliases)) or "none"
        raise ConfigError(
            f"registered model '{name}' has no {which} (aliases: {aliases})"
        ) from None
    if not found.run_id:
        raise ConfigError(f"{uri} was not logged by a run, so its hyperparameters are unknown")
    return get_run(client, found.run_id)


def _from_run(client: Any, run: Any, reference: str) -> Source:
    tags = run.data.tags
    kind = tags.get("search.kind") or ""
    read = {"search": _search_values, "trial": _trial_values, "train": _train_values}.get(kind)
    if read is None:
        raise ConfigError(
            f"run {run.info.run_id} was not written by `search` (its search.kind tag is "
            f"{kind or 'missing'}); give a search, trial or training run"
        )
    origin, hps, search_run_id, score = read(client, run)
    from search.runner import best_experiment

    return Source(
        reference=reference,
        kind=kind,
        experiment=origin if kind == "train" else best_experiment(origin, hps),
        hyperparameters=dict(hps),
        mlflow_experiment=client.get_experiment(run.info.experiment_id).name,
        registered_model=tags.get("search.registered_model", origin.registered_model),
        run_id=run.info.run_id,
        search_run_id=search_run_id,
        score=run.data.metrics.get(score),
        objective=origin.tuner.objective.name,
    )


# Each returns (the search's config, the hyperparameters, the search run id, the score metric).
Recorded = tuple[Experiment, dict[str, Any], str | None, str]


def _search_values(client: Any, run: Any) -> Recorded:
    run_id = run.info.run_id
    hps = _artifact_yaml(client, run_id, "best_hyperparameters.yaml")
    if not isinstance(hps, dict) or not hps:
        raise ConfigError(
            f"search run {run_id} has no best trial recorded (status {run.info.status})"
        )
    return _config(client, run_id), hps, run_id, "best_score"


def _trial_values(client: Any, run: Any) -> Recorded:
    status = run.data.tags.get("search.status", run.info.status)
    if status != "COMPLETED":
        raise ConfigError(f"trial run {run.info.run_id} did not complete (status {status})")
    hps = {k: parse_param(v) for k, v in run.data.params.items()}
    parent = run.data.tags[PARENT_TAG]
    return _config(client, parent), hps, parent, "score"


def _train_values(client: Any, run: Any) -> Recorded:
    """A training run logs its fixed experiment and typed hyperparameters as artifacts."""
    hps = _artifact_yaml(client, run.info.run_id, "hyperparameters.yaml") or {}
    search_run_id = run.data.tags.get("search.source_search")
    return _config(client, run.info.run_id), hps, search_run_id, "score"


def _config(client: Any, run_id: str) -> Experiment:
    data = _artifact_yaml(client, run_id, "experiment.yaml")
    if not isinstance(data, dict):
        raise SearchError(f"run {run_id} has no experiment.yaml artifact to rebuild its config")
    return validate_experiment(data, source=f"experiment.yaml of run {run_id}")


def _artifact_yaml(client: Any, run_id: str, path: str) -> Any:
    """A YAML artifact of the run, or None when the run has no such artifact."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            local = client.download_artifacts(run_id, path, tmp)
        except Exception:  # missing artifact: the stores raise different exception types
            return None
        return load_yaml(Path(local).read_text(), source=f"{path} of run {run_id}")
