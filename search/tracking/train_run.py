"""Writes one `search train` run into MLflow, through the journal like a search's trials.

The run is found again by the key of the record that opened it, so a replay (after an outage,
by `search sync`) completes that one run instead of starting another.
"""

from __future__ import annotations

from typing import Any

from search.tracking import models, reader, store
from search.tracking.base import RunWriter
from search.tracking.schema import (
    FAILURE_TAG,
    KIND,
    MODEL_URI_TAG,
    MODEL_VERSION_TAG,
    TRAIN,
)


class TrainWriter(RunWriter):
    """Writes the training runs of one MLflow experiment (named, created when new)."""

    def __init__(self, client: Any, uri: str, experiment: str) -> None:
        super().__init__(client, uri, store.experiment_id(client, experiment, uri))
        self.experiment = experiment
        self.run_id: str | None = None

    def train_started(self, data: dict[str, Any], at: int, attempt: str) -> None:
        """Opens the run: tags, params, text artifacts (name -> text), first metrics.
        All idempotent, so a replay of a half-sent record completes it."""
        tags = {KIND: TRAIN, **data["tags"]}
        self.run_id, _ = self.create_run(data["run_name"], tags, attempt)
        self.log_params(self.run_id, data["params"])
        for artifact, text in data["texts"].items():
            self.log_text(self.run_id, text, artifact)
        self.log_metrics(self.run_id, data["metrics"], at)

    def train_epoch(
        self, epoch: int, metrics: dict[str, float], at: int, attempt: str | None
    ) -> None:
        self.log_metrics(self._run(attempt), metrics, at, step=epoch)

    def train_model(self, data: dict[str, Any], attempt: str | None) -> None:
        """The trained model from its files, registered with the aliases asked for; once."""
        run_id = self._run(attempt)
        if reader.logged_model(self.client, run_id) is not None:
            return
        name = data["registered_name"]
        uri, version = models.log_model_file(run_id, data["model_path"], data["sample_path"], name)
        models.set_aliases(self.client, name, version, data["aliases"])
        self.client.set_tag(run_id, MODEL_URI_TAG, uri)
        self.client.set_tag(run_id, MODEL_VERSION_TAG, version)
        self.client.update_run(run_id, status="RUNNING")  # logging the model ended it

    def train_finished(self, data: dict[str, Any], at: int, attempt: str | None) -> None:
        """Final metrics, the failure reason if any, and the run's status."""
        run_id = self._run(attempt)
        self.log_metrics(run_id, data.get("metrics", {}), at)
        if data.get("reason"):
            self.client.set_tag(run_id, FAILURE_TAG, data["reason"][:5000])
        self.client.set_terminated(run_id, status=data["status"])

    def logged_model(self) -> tuple[str, str] | None:
        return reader.logged_model(self.client, self.run_id) if self.run_id else None

    def _run(self, attempt: str | None) -> str:
        found = self.attempt_run(attempt) or self.run_id
        if found is None:
            raise LookupError(f"no training run opened by journal record {attempt}")
        return found
