"""Reads back what the writers recorded, for `reuse/`, `distributed/`, the runner and the CLI.

Runs come back as MLflow's run entities (`run.info`, `run.data.tags/params/metrics`); their
tag, param and artifact names are those of `schema`. Every YAML artifact read from a run is
parsed by `parse_yaml`, one place to make stricter.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from search.errors import ConfigError
from search.tracking.schema import (
    BEST_HYPERPARAMETERS_YAML,
    EXPERIMENT_YAML,
    HYPERPARAMETERS_YAML,
    KIND,
    MODEL_URI_TAG,
    MODEL_VERSION_TAG,
    ORACLE_PORT_TAG,
    PARENT_TAG,
    SEARCH,
)

MAX_RUNS = 50_000


def parse_yaml(text: str, source: str = "a run's artifact") -> Any:
    """A YAML artifact's content: the one parser for everything read back from a run (the
    project's YAML loader: numbers as people write them, duplicate keys refused)."""
    from search.yaml_loader import load_yaml

    return load_yaml(text, source)


def get_run(client: Any, run_id: str) -> Any:
    """The run `run_id`, or a ConfigError naming the store."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_run(run_id)
    except MlflowException:
        raise ConfigError(
            f"no MLflow run '{run_id}' in the tracking store at {client.tracking_uri}"
        ) from None


def parent_of(client: Any, run: Any) -> Any:
    """The search run a trial run belongs to."""
    return get_run(client, run.data.tags[PARENT_TAG])


def experiment_name(client: Any, experiment_id: str) -> str:
    return str(client.get_experiment(experiment_id).name)


def find_experiment(client: Any, names: Iterable[str]) -> Any:
    """The first MLflow experiment among `names` that exists, else None."""
    return next((e for e in map(client.get_experiment_by_name, names) if e is not None), None)


def experiment_names(client: Any) -> list[str]:
    """The store's experiments, without MLflow's own `Default`."""
    return sorted(e.name for e in client.search_experiments() if e.name != "Default")


def latest_finished_search(client: Any, experiment_id: str) -> Any:
    """The latest FINISHED search run of an MLflow experiment, or None."""
    runs = client.search_runs(
        [experiment_id],
        filter_string=f"tags.`{KIND}` = '{SEARCH}' and attributes.status = 'FINISHED'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    return runs[0] if runs else None


def trial_runs(client: Any, experiment_id: str, parent_run_id: str) -> list[Any]:
    """Every trial run of a search, oldest first."""
    return list(
        client.search_runs(
            [experiment_id],
            filter_string=f"tags.`{PARENT_TAG}` = '{parent_run_id}'",
            order_by=["attributes.start_time ASC"],
            max_results=MAX_RUNS,
        )
    )


def metric_history(client: Any, run_id: str, name: str) -> list[tuple[int, float]]:
    """(step, value) of every point of one metric of a run."""
    return [(p.step, p.value) for p in client.get_metric_history(run_id, name)]


def runs_with_tag(client: Any, tag: str, value: str, experiment_ids: Sequence[str]) -> list[Any]:
    return list(client.search_runs(list(experiment_ids), filter_string=f"tags.`{tag}` = '{value}'"))


def search_by_oracle_port(client: Any, port: int) -> str | None:
    """The running search whose chief serves its oracle on `port`, if one has said so."""
    ids = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(
        ids,
        filter_string=f"tags.`{ORACLE_PORT_TAG}` = '{port}' and attributes.status = 'RUNNING'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    return str(runs[0].info.run_id) if runs else None


def logged_model(client: Any, run_id: str) -> tuple[str, str] | None:
    """(model URI, registered version) once a run's model is in MLflow."""
    tags = client.get_run(run_id).data.tags
    if MODEL_VERSION_TAG not in tags:
        return None
    return tags[MODEL_URI_TAG], tags[MODEL_VERSION_TAG]


def model_version_run(client: Any, uri: str, name: str, alias: str | None, version: str) -> Any:
    """The run that logged a registered model's version (by alias or number)."""
    from mlflow.exceptions import MlflowException

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


def artifact_yaml(client: Any, run_id: str, path: str) -> Any:
    """A YAML artifact of the run, parsed; None when the run has no such artifact."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            local = client.download_artifacts(run_id, path, tmp)
        except Exception:  # missing artifact: the stores raise different exception types
            return None
        return parse_yaml(Path(local).read_text(), f"{path} of run {run_id}")


def experiment_config(client: Any, run_id: str) -> Any:
    """The resolved experiment a search or training run logged (a mapping), or None."""
    return artifact_yaml(client, run_id, EXPERIMENT_YAML)


def best_hyperparameters(client: Any, run_id: str) -> Any:
    """The best trial's hyperparameters a search run logged at its end, or None."""
    return artifact_yaml(client, run_id, BEST_HYPERPARAMETERS_YAML)


def trained_hyperparameters(client: Any, run_id: str) -> Any:
    """The typed hyperparameters a training run logged, or None."""
    return artifact_yaml(client, run_id, HYPERPARAMETERS_YAML)
