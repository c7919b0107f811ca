"""`search sync`: sends what a search or training directory's journals still hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from search.errors import TrackingError
from search.tracking import store
from search.tracking.journal import JOURNALS, Journal, pending_records
from search.workspace import TRAIN_KIND


def sync_directory(directory: Path, state: dict[str, Any]) -> tuple[int, int]:
    """Sends a directory's pending records to the store its `state` names; returns
    (written, still pending)."""
    directory = Path(directory)
    journals = sorted(directory.glob(JOURNALS))
    waiting = sum(len(pending_records(path)) for path in journals)
    if not waiting:
        return 0, 0
    uri = state.get("tracking_uri")
    if not uri:
        raise TrackingError(f"{directory} records no tracking URI to sync to")
    writer = _writer(directory, state, store.connect(uri), uri)
    left = 0
    for path in journals:  # the workers' first: their trials precede the search's end
        journal = Journal(writer, directory, path.name)
        journal.flush()
        left += len(journal.pending)
    return waiting - left, left


def _writer(directory: Path, state: dict[str, Any], client: Any, uri: str) -> Any:
    """The writer the journal was written for: a training run's, or a search's."""
    if state.get("kind") == TRAIN_KIND:
        from search.tracking.train_run import TrainWriter

        return TrainWriter(client, uri, state["mlflow_experiment"])
    from search.tracking.writer import SearchTracker

    parent = state.get("parent_run_id")
    if not parent:
        raise TrackingError(f"{directory} records no parent run to sync to")
    return SearchTracker.attach(client, uri, parent)
