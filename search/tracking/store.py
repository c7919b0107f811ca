"""Where the tracking store is and how to open it: URI resolution, a checked client, experiments."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from search.errors import ConfigError, TrackingError
from search.tracking.schema import EXPERIMENT_KIND, EXPERIMENT_KIND_TAG

KNOWN_SCHEMES = {"sqlite", "http", "https", "file", "postgresql", "mysql", "mssql", "databricks"}
DEFAULT_DATABASE = "mlflow.db"

# An outage must not stall training for minutes: fail fast, the journal keeps the records.
HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "15",
}


def resolve_tracking_uri(given: str | None) -> str:
    """The URI given, else MLFLOW_TRACKING_URI, else ./mlflow.db as an absolute SQLite URI."""
    uri = given or os.environ.get("MLFLOW_TRACKING_URI") or ""
    if not uri:
        return f"sqlite:///{Path.cwd() / DEFAULT_DATABASE}"
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


def sqlite_path(uri: str) -> Path | None:
    """The database file of a SQLite URI; None for any other store."""
    return Path(uri.removeprefix("sqlite:///")) if uri.startswith("sqlite:///") else None


def search_tracking_uri(experiment: Any, given: str | None = None) -> str:
    """Where a search records: `given` (the command line), else the experiment's
    `tracking.tracking_uri`, else as `resolve_tracking_uri` finds it."""
    return resolve_tracking_uri(given or experiment.tracking.tracking_uri)


def ui_command(uri: str) -> str:
    """The command that opens the MLflow UI on this store."""
    if uri.startswith(("http://", "https://")):
        return f"open {uri}"
    return f"mlflow ui --backend-store-uri {uri} --host 127.0.0.1 --port 5000"


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
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
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


def open_existing(given: str | None) -> tuple[Any, str]:
    """A client on the resolved store, which must exist (reading never creates one)."""
    uri = resolve_tracking_uri(given)
    database = sqlite_path(uri)
    if database is not None and not database.exists():
        raise ConfigError(f"no MLflow store at {uri}: run a search first, or pass --tracking-uri")
    return connect(uri), uri


@contextmanager
def store_lock(uri: str) -> Iterator[None]:
    """Held while a SQLite store is first opened (schema creation and migration).

    The lock file lives in the temporary directory, keyed by the database's absolute path, so
    that opening a store (to read it, or for a command that then fails) writes nothing beside it.
    """
    database = sqlite_path(uri)
    if database is None:
        yield
        return
    import fcntl
    import tempfile

    key = hashlib.sha256(str(database.resolve()).encode()).hexdigest()[:16]
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
    database = sqlite_path(uri)
    location = (database.parent / "mlruns" / name).as_uri() if database else None
    # The kind tag makes the MLflow UI open the experiment on its training runs, not on the
    # GenAI overview it shows to experiments of unknown kind.
    tags = {EXPERIMENT_KIND_TAG: EXPERIMENT_KIND}
    try:
        return str(client.create_experiment(name, artifact_location=location, tags=tags))
    except Exception:
        # Another search created it a moment ago (two terminals, one store).
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return str(found.experiment_id)
