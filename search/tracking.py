"""MLflow behind one module: a parent run per search, a nested run per trial, the best model.

Runs are addressed by id through `MlflowClient` (no global active run), so trial hooks can
log from anywhere; only model logging uses the fluent API, which the keras flavor needs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import yaml

from search.errors import ConfigError, TrackingError

if TYPE_CHECKING:  # the events module pulls in keras; `search sync` and tests need not
    from search.tuning.events import TrialOutcome

log = logging.getLogger(__name__)

KNOWN_SCHEMES = {"sqlite", "http", "https", "file", "postgresql", "mysql", "mssql", "databricks"}
PARENT_TAG = "mlflow.parentRunId"
CHAMPION = "champion"
MODEL_URI_TAG, MODEL_VERSION_TAG = "search.model_uri", "search.model_version"
ATTEMPT_TAG = "search.attempt"  # the outbox's key of the trial_started record: idempotent replay
MLFLOW_STATUS = {"COMPLETED": "FINISHED", "FAILED": "FAILED", "INVALID": "FAILED"}
NOTE_TAG = "mlflow.note.content"  # the run's description in the MLflow UI (markdown)
DATA_CONTEXT_TAG = "mlflow.data.context"
WORKER_TAG = "search.worker"  # the worker process that ran a trial (parallel searches)
ORACLE_PORT_TAG = "search.oracle_port"  # where a parallel search's chief serves its workers


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
    """Nested config as dotted keys with string values (MLflow params); unset fields (None,
    empty strings, lists and mappings) are left out, so the run page lists what carries a value."""
    flat: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if value is None or value == "" or (isinstance(value, Mapping | list) and not value):
            continue
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


# An outage must not stall training for minutes: fail fast, the outbox keeps the records.
HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "15",
}


def connect(uri: str) -> Any:
    """An MlflowClient whose store answered, or a TrackingError naming the URI.

    A SQLite store is opened under a file lock: MLflow migrates a fresh database's schema on
    first use, and two searches doing that at once crash. HTTP retries are kept short so an
    outage is noticed in seconds (the user's own MLFLOW_HTTP_* settings win).
    """
    import mlflow
    from mlflow.tracking import MlflowClient

    for name, value in HTTP_DEFAULTS.items():
        os.environ.setdefault(name, value)
    mlflow.set_tracking_uri(uri)
    try:
        with store_lock(uri):
            client = MlflowClient(tracking_uri=uri)
            client.search_experiments(max_results=1)
            client.search_registered_models(max_results=1)
    except Exception as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise TrackingError(f"cannot reach the MLflow tracking store at {uri}: {first}") from None
    return client


@contextmanager
def store_lock(uri: str) -> Iterator[None]:
    """Held while a SQLite store is first opened (schema creation and migration).

    The lock file lives in the temporary directory, keyed by the database's absolute path, so
    that opening a store (to read it, or for a command that then fails) writes nothing beside it.
    """
    if not uri.startswith("sqlite:///"):
        yield
        return
    import fcntl
    import tempfile

    database = Path(uri.removeprefix("sqlite:///")).resolve()
    key = hashlib.sha256(str(database).encode()).hexdigest()[:16]
    locks = Path(tempfile.gettempdir()) / "search-store-locks"
    locks.mkdir(exist_ok=True)
    with open(locks / f"{key}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


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
    # The kind tag makes the MLflow UI open the experiment on its training runs, not on the
    # GenAI overview it shows to experiments of unknown kind.
    tags = {"mlflow.experimentKind": "custom_model_development"}
    try:
        return str(client.create_experiment(name, artifact_location=location, tags=tags))
    except Exception:
        # Another search created it a moment ago (two terminals, one store).
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return str(found.experiment_id)


class SearchTracker:
    """Writes one search into MLflow; a `TrialListener` for the tuner's trial events."""

    def __init__(self, client: Any, uri: str, experiment_id: str, parent_run_id: str) -> None:
        self.client = client
        self.uri = uri
        self.experiment_id = experiment_id
        self.parent_run_id = parent_run_id
        self._trial_runs: dict[str, str] = {}
        self._datasets: list[Any] | None = None  # the parent's inputs, shared with trials
        self._attempt_runs: dict[str, str] = {}
        self.trial_tags: dict[str, str] = {}  # on every trial run (a worker's id)
        self._params: dict[str, set[str]] = {}  # per trial run this tracker opened: logged names

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
        tracker.describe_search(config, data_identity)
        return tracker

    @classmethod
    def attach(cls, client: Any, uri: str, parent_run_id: str) -> SearchTracker:
        """A tracker for an existing search, changing nothing (for resume and `search sync`)."""
        run = client.get_run(parent_run_id)
        return cls(client, uri, run.info.experiment_id, parent_run_id)

    @classmethod
    def reopen(cls, client: Any, uri: str, parent_run_id: str) -> SearchTracker:
        """Continues an interrupted search: its parent runs again, dangling trials are KILLED."""
        tracker = cls.attach(client, uri, parent_run_id)
        tracker.resume()
        return tracker

    def resume(self) -> None:
        """The parent runs again; trial runs an interrupted attempt left RUNNING become KILLED."""
        self.client.update_run(self.parent_run_id, status="RUNNING")
        self.kill_dangling()

    def kill_dangling(self, worker: str | None = None) -> list[str]:
        """Trial runs still RUNNING belong to an attempt that will never end: KILLED.
        With `worker`, only that worker's (it restarted, so its old attempt is over).
        Returns the trial ids."""
        killed = []
        for child in self.trial_runs():
            if worker is not None and child.data.tags.get(WORKER_TAG) != worker:
                continue
            if child.info.status == "RUNNING":
                killed.append(child.data.tags.get("search.trial_id", ""))
                self.client.set_tag(child.info.run_id, "search.status", "KILLED")
                self.client.set_terminated(child.info.run_id, status="KILLED")
        return killed

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
    def trial_started(
        self, trial_id: str, hyperparameters: dict[str, Any], attempt: str | None = None
    ) -> None:
        """Opens the run of one attempt at a trial; a replayed `attempt` finds its run again."""
        existing = self._attempt_run(attempt)
        if existing is not None:
            self._trial_runs[trial_id] = existing
            return
        from search.report import trial_title
        from search.report.notes import trial_note

        run = self.client.create_run(
            self.experiment_id,
            run_name=trial_title(trial_id, hyperparameters),
            tags={
                PARENT_TAG: self.parent_run_id,
                "search.kind": "trial",
                "search.trial_id": trial_id,
                NOTE_TAG: trial_note(hyperparameters),
                **self.trial_tags,
                **({ATTEMPT_TAG: attempt} if attempt else {}),
            },
        )
        self._trial_runs[trial_id] = run.info.run_id
        if attempt:
            self._attempt_runs[attempt] = run.info.run_id
        self._log_params(run.info.run_id, {k: str(v) for k, v in hyperparameters.items()})
        self._params[run.info.run_id] = set(hyperparameters)
        self._share_dataset(run.info.run_id)

    def epoch_ended(
        self,
        trial_id: str,
        epoch: int,
        metrics: dict[str, float],
        at: int | None = None,
        attempt: str | None = None,
    ) -> None:
        """Epoch metrics at step=epoch; `at` (ms) makes a replayed batch identical, so deduped."""
        from mlflow.entities import Metric

        now = at or int(time.time() * 1000)
        batch = [Metric(key, value, now, epoch) for key, value in metrics.items()]
        self.client.log_batch(self._trial_run(trial_id, attempt), metrics=batch)

    def trial_ended(
        self, outcome: TrialOutcome, at: int | None = None, attempt: str | None = None
    ) -> None:
        run_id = self._trial_run(outcome.trial_id, attempt)
        # Hyperparameters a trial declares late (conditional ones) are only known now; a run
        # this tracker did not open (a replay) is asked what it has.
        logged = self._params.pop(run_id, None) or self.client.get_run(run_id).data.params
        late = {k: str(v) for k, v in outcome.hyperparameters.items() if k not in logged}
        self._log_params(run_id, late)
        metrics = {"trial_seconds": outcome.seconds}
        if outcome.score is not None:
            metrics["score"] = outcome.score
        if outcome.best_step is not None:
            metrics["best_epoch"] = float(outcome.best_step)
        self._log_metrics(run_id, metrics, at)
        self.client.set_tag(run_id, "search.status", outcome.status)
        self._describe_trial(run_id, outcome)
        if outcome.status != "COMPLETED":
            self.client.set_tag(run_id, "search.failure_reason", outcome.reason[:5000])
            self.client.log_text(run_id, outcome.message or "", "traceback.txt")
        self.client.set_terminated(run_id, status=MLFLOW_STATUS.get(outcome.status, "FAILED"))
        self._trial_runs.pop(outcome.trial_id, None)

    def _trial_run(self, trial_id: str, attempt: str | None = None) -> str:
        """The run of an attempt at a trial: by its attempt tag, else the trial's latest run."""
        found = self._attempt_run(attempt) or self._trial_runs.get(trial_id)
        if found is not None:
            return found
        runs = [r for r in self.trial_runs() if r.data.tags.get("search.trial_id") == trial_id]
        if not runs:
            raise LookupError(f"no MLflow run for trial {trial_id} under {self.parent_run_id}")
        return str(runs[-1].info.run_id)

    def _attempt_run(self, attempt: str | None) -> str | None:
        if not attempt or attempt in self._attempt_runs:
            return self._attempt_runs.get(attempt) if attempt else None
        found = self.client.search_runs(
            [self.experiment_id], filter_string=f"tags.`{ATTEMPT_TAG}` = '{attempt}'"
        )
        if found:
            self._attempt_runs[attempt] = str(found[0].info.run_id)
        return self._attempt_runs.get(attempt)

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
        self.client.set_tag(self.parent_run_id, MODEL_URI_TAG, model_uri)
        self.client.set_tag(self.parent_run_id, MODEL_VERSION_TAG, version)
        self.client.update_run(self.parent_run_id, status="RUNNING")
        return model_uri, version

    def log_model_file(self, model_path: str, sample_path: str, registered_name: str) -> None:
        """`log_model` from files the search saved, so an outage at the end loses nothing.

        A replay after the model was registered does nothing (no second model version).
        """
        import keras
        import numpy as np

        if self.logged_model() is not None:
            return
        model = keras.saving.load_model(model_path)
        # Our own file; text samples are object arrays of str, which need pickle.
        self.log_model(model, np.load(sample_path, allow_pickle=True), registered_name)

    def logged_model(self) -> tuple[str, str] | None:
        """(model URI, registered version) once the search's best model is in MLflow."""
        tags = self.client.get_run(self.parent_run_id).data.tags
        if MODEL_VERSION_TAG not in tags:
            return None
        return tags[MODEL_URI_TAG], tags[MODEL_VERSION_TAG]

    def finish(self, status: str = "FINISHED") -> None:
        """Ends the parent run; an interrupted or failed search also ends its open trial runs."""
        if status != "FINISHED":
            self.kill_dangling()
        self.client.set_terminated(self.parent_run_id, status=status)

    # -- what the MLflow UI shows: descriptions, datasets, report, model summary ------------
    def describe_search(self, config: Mapping[str, Any], data_identity: Mapping[str, str]) -> None:
        """The parent's description, and the TFDS splits as its inputs (the dataset column).
        Only presentation: a failure is logged and the search goes on."""
        from search.report.notes import search_note

        try:
            self.client.set_tag(self.parent_run_id, NOTE_TAG, search_note(config))
            datasets = dataset_inputs(config, data_identity)
            self.client.log_inputs(self.parent_run_id, datasets=datasets)
        except Exception:
            log.exception("could not describe the search run in MLflow")

    def log_report(
        self, folder: Path, model: Any, registered_name: str | None = None, version: str = ""
    ) -> None:
        """The report folder as `report/`, its summary under the description, the best model's
        summary as `model_summary.txt`; the registered version says which search it came from."""
        run_id = self.parent_run_id
        self.client.log_artifacts(run_id, str(folder), "report")
        lines: list[str] = []
        model.summary(print_fn=lambda line, *_, **__: lines.append(line))
        self.client.log_text(run_id, "\n".join(lines) + "\n", "model_summary.txt")
        note = self.client.get_run(run_id).data.tags.get(NOTE_TAG, "")
        summary = (folder / "summary.md").read_text()
        self.client.set_tag(run_id, NOTE_TAG, f"{note.rstrip()}\n\n{summary}".lstrip())
        if registered_name and version:
            self._describe_model(registered_name, version, summary)

    def _describe_model(self, name: str, version: str, summary: str) -> None:
        run = self.client.get_run(self.parent_run_id)
        origin = f"Best model of the search run `{run.info.run_name}` ({self.parent_run_id})."
        self.client.update_model_version(name, version, description=f"{origin}\n\n{summary}")
        if not self.client.get_registered_model(name).description:
            self.client.update_registered_model(
                name,
                description=f"Best models of `search run` searches; `@{CHAMPION}` is the latest.",
            )

    def _describe_trial(self, run_id: str, outcome: TrialOutcome) -> None:
        from search.report.notes import trial_note

        self.client.set_tag(run_id, NOTE_TAG, trial_note(outcome.hyperparameters, outcome))

    def _share_dataset(self, run_id: str) -> None:
        """A trial trains on the parent's data: the same inputs, so its row shows them too."""
        if self._datasets is None:
            inputs = self.client.get_run(self.parent_run_id).inputs
            self._datasets = list(inputs.dataset_inputs) if inputs else []
        if self._datasets:
            self.client.log_inputs(run_id, datasets=self._datasets)

    # -- helpers -------------------------------------------------------------------------
    def _log_params(self, run_id: str, params: Mapping[str, str]) -> None:
        from mlflow.entities import Param

        items = [Param(k, v[:6000]) for k, v in params.items()]
        for start in range(0, len(items), 100):
            self.client.log_batch(run_id, params=items[start : start + 100])

    def _log_metrics(
        self, run_id: str, metrics: Mapping[str, float], at: int | None = None
    ) -> None:
        from mlflow.entities import Metric

        now = at or int(time.time() * 1000)
        self.client.log_batch(run_id, metrics=[Metric(k, v, now, 0) for k, v in metrics.items()])


def dataset_inputs(config: Mapping[str, Any], identity: Mapping[str, str]) -> list[Any]:
    """The TFDS splits as MLflow dataset inputs: name `<dataset>/<split>`, a digest of the
    data identity (version, sizes, shape), the prepared directory as source."""
    from mlflow.data.dataset_source_registry import resolve_dataset_source
    from mlflow.data.meta_dataset import MetaDataset
    from mlflow.entities import DatasetInput, InputTag

    dataset = config["dataset"]
    data_dir = dataset.get("data_dir") or os.environ.get("TFDS_DATA_DIR")
    root = Path(data_dir or "~/tensorflow_datasets").expanduser().resolve()
    where = root / identity.get("data.name", dataset["name"]) / identity.get("data.version", "")
    with warnings.catch_warnings():  # "file:" matches two equivalent local sources
        warnings.simplefilter("ignore")
        source = resolve_dataset_source(where.as_uri())
    inputs = []
    for role in ("train", "validation", "test"):
        split = dataset.get(f"{role}_split") or role  # None: carved or found by TFDS
        fingerprint = json.dumps({**identity, "split": split}, sort_keys=True)
        digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:10]
        meta = MetaDataset(source, name=f"{dataset['name']}/{split}", digest=digest)  # type: ignore[abstract]
        tags = [InputTag(DATA_CONTEXT_TAG, role)]
        inputs.append(DatasetInput(meta._to_mlflow_entity(), tags))
    return inputs


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
