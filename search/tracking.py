"""MLflow behind one module: a parent run per search, a nested run per trial, the best model.

Runs are addressed by id through `MlflowClient` (no global active run), so trial hooks can
log from anywhere; only model logging uses the fluent API, which the keras flavor needs.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from search.errors import ConfigError, TrackingError
from search.tuning.events import TrialOutcome

log = logging.getLogger(__name__)

KNOWN_SCHEMES = {"sqlite", "http", "https", "file", "postgresql", "mysql", "mssql", "databricks"}
PARENT_TAG = "mlflow.parentRunId"
CHAMPION = "champion"
MLFLOW_STATUS = {"COMPLETED": "FINISHED", "FAILED": "FAILED", "INVALID": "FAILED"}


def resolve_tracking_uri(given: str | None) -> str:
    """The URI given, else MLFLOW_TRACKING_URI, else ./mlflow.db as an absolute SQLite URI."""
    uri = given or os.environ.get("MLFLOW_TRACKING_URI") or ""
    if not uri:
        return f"sqlite:///{Path.cwd() / 'mlflow.db'}"
    scheme = urlparse(uri).scheme
    if scheme not in KNOWN_SCHEMES:
        raise ConfigError(
            f"tracking URI '{uri}' has an unknown scheme '{scheme}'; "
            f"use one of: {', '.join(sorted(KNOWN_SCHEMES))}"
        )
    if scheme == "sqlite":
        path = Path(uri.removeprefix("sqlite:///"))
        return f"sqlite:///{path.resolve()}"
    return uri


def ui_command(uri: str) -> str:
    """The command that opens the MLflow UI on this store."""
    if uri.startswith(("http://", "https://")):
        return f"open {uri}"
    return f"mlflow ui --backend-store-uri {uri} --host 127.0.0.1 --port 5000"


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested config as dotted keys with string values (MLflow params)."""
    flat: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def connect(uri: str) -> Any:
    """An MlflowClient whose store answered, or a TrackingError naming the URI."""
    import mlflow
    from mlflow.tracking import MlflowClient

    mlflow.set_tracking_uri(uri)
    client = MlflowClient(tracking_uri=uri)
    try:
        client.search_experiments(max_results=1)
    except Exception as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise TrackingError(f"cannot reach the MLflow tracking store at {uri}: {first}") from None
    return client


def experiment_id(client: Any, name: str, uri: str) -> str:
    """The id of the MLflow experiment `name`, created (artifacts beside a SQLite file) if new."""
    found = client.get_experiment_by_name(name)
    if found is not None:
        if found.lifecycle_stage == "deleted":
            client.restore_experiment(found.experiment_id)
        return str(found.experiment_id)
    location = None
    if uri.startswith("sqlite:///"):
        location = (Path(uri.removeprefix("sqlite:///")).parent / "mlruns" / name).as_uri()
    return str(client.create_experiment(name, artifact_location=location))


class SearchTracker:
    """Writes one search into MLflow; a `TrialListener` for the tuner's trial events."""

    def __init__(self, client: Any, uri: str, experiment_id: str, parent_run_id: str) -> None:
        self.client = client
        self.uri = uri
        self.experiment_id = experiment_id
        self.parent_run_id = parent_run_id
        self._trial_runs: dict[str, str] = {}

    @classmethod
    def start(
        cls,
        client: Any,
        uri: str,
        experiment_id: str,
        run_name: str,
        config: Mapping[str, Any],
        data_identity: Mapping[str, str],
        tags: Mapping[str, str],
    ) -> SearchTracker:
        """Opens the parent run with the resolved config (params + YAML) and the data identity."""
        run = client.create_run(
            experiment_id, run_name=run_name, tags={"search.kind": "search", **tags}
        )
        tracker = cls(client, uri, experiment_id, run.info.run_id)
        tracker._log_params(run.info.run_id, {**flatten(config), **data_identity})
        client.log_text(
            run.info.run_id, yaml.safe_dump(dict(config), sort_keys=False), "experiment.yaml"
        )
        return tracker

    @classmethod
    def reopen(cls, client: Any, uri: str, parent_run_id: str) -> SearchTracker:
        """Continues an interrupted search: its parent runs again, dangling trials are KILLED."""
        run = client.get_run(parent_run_id)
        client.update_run(parent_run_id, status="RUNNING")
        tracker = cls(client, uri, run.info.experiment_id, parent_run_id)
        for child in tracker.trial_runs():
            if child.info.status == "RUNNING":
                client.set_tag(child.info.run_id, "search.status", "KILLED")
                client.set_terminated(child.info.run_id, status="KILLED")
        return tracker

    def trial_runs(self) -> list[Any]:
        """Every trial run of this search, oldest first."""
        return list(
            self.client.search_runs(
                [self.experiment_id],
                filter_string=f"tags.`{PARENT_TAG}` = '{self.parent_run_id}'",
                order_by=["attributes.start_time ASC"],
                max_results=50_000,
            )
        )

    # -- TrialListener -------------------------------------------------------------------
    def trial_started(self, trial_id: str, hyperparameters: dict[str, Any]) -> None:
        run = self.client.create_run(
            self.experiment_id,
            run_name=f"trial-{trial_id}",
            tags={
                PARENT_TAG: self.parent_run_id,
                "search.kind": "trial",
                "search.trial_id": trial_id,
            },
        )
        self._trial_runs[trial_id] = run.info.run_id
        self._log_params(run.info.run_id, {k: str(v) for k, v in hyperparameters.items()})

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        batch = [Metric(key, value, now, epoch) for key, value in metrics.items()]
        self.client.log_batch(self._trial_runs[trial_id], metrics=batch)

    def trial_ended(self, outcome: TrialOutcome) -> None:
        run_id = self._trial_runs.pop(outcome.trial_id)
        # Hyperparameters a trial declares late (conditional ones) are only known now.
        logged = self.client.get_run(run_id).data.params
        late = {k: str(v) for k, v in outcome.hyperparameters.items() if k not in logged}
        self._log_params(run_id, late)
        metrics = {"trial_seconds": outcome.seconds}
        if outcome.score is not None:
            metrics["score"] = outcome.score
        if outcome.best_step is not None:
            metrics["best_epoch"] = float(outcome.best_step)
        self._log_metrics(run_id, metrics)
        self.client.set_tag(run_id, "search.status", outcome.status)
        if outcome.status != "COMPLETED":
            self.client.set_tag(run_id, "search.failure_reason", outcome.reason[:5000])
            self.client.log_text(run_id, outcome.message or "", "traceback.txt")
        self.client.set_terminated(run_id, status=MLFLOW_STATUS.get(outcome.status, "FAILED"))

    # -- end of search -------------------------------------------------------------------
    def log_best(
        self,
        score: float | None,
        hyperparameters: Mapping[str, Any],
        test_metrics: Mapping[str, float],
        best_config_yaml: str,
    ) -> None:
        run_id = self.parent_run_id
        self._log_params(run_id, {f"best.{k}": str(v) for k, v in hyperparameters.items()})
        metrics = {f"test_{k}": float(v) for k, v in test_metrics.items()}
        if score is not None:
            metrics["best_score"] = score
        self._log_metrics(run_id, metrics)
        self.client.log_text(
            run_id,
            yaml.safe_dump(dict(hyperparameters), sort_keys=False),
            "best_hyperparameters.yaml",
        )
        self.client.log_text(run_id, best_config_yaml, "best_experiment.yaml")

    def log_model(self, model: Any, sample: Any, registered_name: str) -> tuple[str, str]:
        """Logs the keras model with a signature, registers it, points `champion` at it."""
        model_uri, version = log_keras_model(self.parent_run_id, model, sample, registered_name)
        self.client.set_registered_model_alias(registered_name, CHAMPION, version)
        self.client.update_run(self.parent_run_id, status="RUNNING")
        return model_uri, version

    def finish(self, status: str = "FINISHED") -> None:
        self.client.set_terminated(self.parent_run_id, status=status)

    # -- helpers -------------------------------------------------------------------------
    def _log_params(self, run_id: str, params: Mapping[str, str]) -> None:
        from mlflow.entities import Param

        items = [Param(k, v[:6000]) for k, v in params.items()]
        for start in range(0, len(items), 100):
            self.client.log_batch(run_id, params=items[start : start + 100])

    def _log_metrics(self, run_id: str, metrics: Mapping[str, float]) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        self.client.log_batch(run_id, metrics=[Metric(k, v, now, 0) for k, v in metrics.items()])


def log_keras_model(run_id: str, model: Any, sample: Any, registered_name: str) -> tuple[str, str]:
    """Logs a keras model (mlflow.keras flavor, signature from `sample`) into the run `run_id`
    and registers it; returns the model URI and the new version. The run ends FINISHED."""
    import mlflow
    from mlflow.models import infer_signature

    signature = infer_signature(sample, model.predict(sample, verbose=0))
    with mlflow.start_run(run_id=run_id):
        info = mlflow.keras.log_model(
            model, name="model", signature=signature, registered_model_name=registered_name
        )
    return info.model_uri, str(info.registered_model_version)
