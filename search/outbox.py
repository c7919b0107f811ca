"""A durable outbox in front of MLflow: every tracking record is journaled before it is sent.

A search runs for hours; its tracking server may not. Each record (a tracker method and its
arguments) is appended to a journal in the search directory and fsynced, then sent. A record
MLflow does not take stays pending and is sent again, in order, at the next trial boundary,
at the end of the search, on resume, or by `search sync`. Sending is idempotent
(a trial's run is found again by its attempt key; metrics carry the journaled time), so a
replay never duplicates what reached MLflow.

Journal lines: {"key", "method", "args", "at", "attempt"} per record; {"sent": key} once
MLflow has it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from search.tuning.events import TrialOutcome

log = logging.getLogger(__name__)

JOURNAL = "tracking-journal.jsonl"
JOURNALS = "tracking-journal*.jsonl"  # the search's own and each parallel worker's


def worker_journal(worker_id: str) -> str:
    return f"tracking-journal-{worker_id}.jsonl"


# Records that only add detail inside a trial: while MLflow is away, they wait for the next
# trial boundary instead of trying (and timing out) once per epoch.
DETAIL = {"epoch_ended"}
# MLflow error codes that say "this record will never be accepted": drop it, say so, go on.
PERMANENT = {"INVALID_PARAMETER_VALUE", "RESOURCE_ALREADY_EXISTS", "RESOURCE_DOES_NOT_EXIST"}


def is_transient(error: Exception) -> bool:
    """A failure worth retrying later (server away, database busy) rather than a bad record."""
    if isinstance(error, OSError) or type(error).__name__ == "OperationalError":
        return True  # connection refused or timed out; SQLite busy
    code = getattr(error, "error_code", None)
    return code is not None and code not in PERMANENT


class Outbox:
    """A `TrialListener` (and end-of-search recorder): journals first, then sends via a tracker."""

    def __init__(self, tracker: Any, directory: Path, journal: str = JOURNAL) -> None:
        self.tracker = tracker
        self.path = Path(directory) / journal
        self.pending: list[dict[str, Any]] = pending_records(self.path)
        self.offline = False
        self._attempts: dict[str, str] = {}

    # -- TrialListener -------------------------------------------------------------------
    def trial_started(self, trial_id: str, hyperparameters: dict[str, Any]) -> None:
        # This record's key names the attempt: its run is found again on any replay.
        self._attempts[trial_id] = self.post("trial_started", trial_id, hyperparameters)

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        self.post("epoch_ended", trial_id, epoch, metrics, attempt=self._attempts.get(trial_id))

    def trial_ended(self, outcome: TrialOutcome) -> None:
        attempt = self._attempts.pop(outcome.trial_id, None)
        self.post("trial_ended", dataclasses.asdict(outcome), attempt=attempt)

    # -- end of search -------------------------------------------------------------------
    def log_best(self, *args: Any) -> None:
        self.post("log_best", *args)

    def log_model_file(self, *args: Any) -> None:
        self.post("log_model_file", *args)

    def finish(self, status: str = "FINISHED") -> None:
        self.post("finish", status)

    # -- the journal ---------------------------------------------------------------------
    def post(self, method: str, *args: Any, attempt: str | None = None) -> str:
        """Journals one record durably, then sends everything pending unless MLflow is away."""
        record = {
            "key": uuid.uuid4().hex,
            "method": method,
            "args": _plain(args),
            "at": int(time.time() * 1000),
            "attempt": attempt,
        }
        self._append(record)
        self.pending.append(record)
        if not (self.offline and method in DETAIL):
            self.flush()
        return str(record["key"])

    def flush(self) -> bool:
        """Sends pending records in order; stops at the first MLflow cannot take now."""
        while self.pending:
            record = self.pending[0]
            try:
                send(self.tracker, record)
            except Exception as error:
                if is_transient(error):
                    self._went_offline(error)
                    return False
                log.error("MLflow refused a %s record, dropped: %s", record["method"], error)
            self._append({"sent": record["key"]}, durable=False)
            self.pending.pop(0)
        if self.offline:
            log.warning("tracking store %s is back: pending records written", self.tracker.uri)
            self.offline = False
        return True

    def _went_offline(self, error: Exception) -> None:
        if not self.offline:
            first = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
            log.warning(
                "tracking store %s unreachable (%s); training goes on, records are kept in %s "
                "and written when it is back",
                self.tracker.uri,
                first,
                self.path,
            )
        self.offline = True

    def _append(self, line: dict[str, Any], durable: bool = True) -> None:
        """Appends a journal line; a `durable` one is on disk when this returns. A "sent" mark
        need not be: a killed process loses nothing written (the kernel holds it), and one lost
        to a power cut only sends its record again, which is idempotent."""
        with open(self.path, "a", encoding="utf-8") as journal:
            journal.write(json.dumps(line) + "\n")
            journal.flush()
            if durable:
                os.fsync(journal.fileno())


def send(tracker: Any, record: dict[str, Any]) -> None:
    """Calls the tracker method a record names, with its journaled time where it takes one."""
    from search.tuning.events import TrialOutcome

    method, args, at = record["method"], list(record["args"]), record["at"]
    attempt = record.get("attempt")
    if method == "trial_started":
        tracker.trial_started(*args, attempt=record["key"])
    elif method == "epoch_ended":
        tracker.epoch_ended(*args, at=at, attempt=attempt)
    elif method == "trial_ended":
        tracker.trial_ended(TrialOutcome(**args[0]), at=at, attempt=attempt)
    else:
        getattr(tracker, method)(*args)


def pending_records(path: Path) -> list[dict[str, Any]]:
    """The journal's records MLflow has not acknowledged, in the order they were written."""
    if not path.is_file():
        return []
    records: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash: the record was never sent either
        if "sent" in entry:
            records.pop(entry["sent"], None)
        else:
            records[entry["key"]] = entry
    return list(records.values())


def _plain(value: Any) -> Any:
    """JSON-ready arguments: mappings and sequences kept, numbers kept, other values as str."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def sync_search(directory: Path) -> tuple[int, int]:
    """Sends a search directory's pending records; returns (written, still pending)."""
    from search import tracking
    from search.errors import TrackingError

    state = json.loads((Path(directory) / "state.json").read_text())
    journals = sorted(Path(directory).glob(JOURNALS))
    waiting = sum(len(pending_records(path)) for path in journals)
    if not waiting:
        return 0, 0
    uri, parent = state.get("tracking_uri"), state.get("parent_run_id")
    if not uri or not parent:
        raise TrackingError(f"{directory} records no tracking URI or parent run to sync to")
    client = tracking.connect(uri)
    tracker = tracking.SearchTracker.attach(client, uri, parent)
    left = 0
    for path in journals:  # the workers' first: their trials precede the search's end
        outbox = Outbox(tracker, Path(directory), path.name)
        outbox.flush()
        left += len(outbox.pending)
    return waiting - left, left
