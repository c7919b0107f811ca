"""A durable journal in front of MLflow: every tracking record is written down before it is sent.

A search or a training run goes on for hours; its tracking server may not. Each record names
an operation and its data, is appended to a journal file and fsynced, then sent. A record
MLflow does not take stays pending and is sent again, in order, at the next trial boundary,
at the end, on resume, or by `search sync`. Sending is idempotent (the run a record opened is
found again by its key; metrics carry the journaled time), so a replay duplicates nothing.

Format (version 1), one JSON object a line:
  {"v": 1, "key", "op", "data": {...}, "at": ms, "attempt": key of the record that opened the run}
  {"sent": key} once MLflow has that record.
Version 0 lines ({"key", "method", "args", "at", "attempt"}: a writer method and its positional
arguments) are read as the operations they meant; see `V0_METHODS`.
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

from search.tracking.operations import DETAIL, FORMAT, OPERATIONS, Data, Record, send, upgrade

if TYPE_CHECKING:
    from search.outcome import TrialOutcome

log = logging.getLogger(__name__)

JOURNAL = "tracking-journal.jsonl"
JOURNALS = "tracking-journal*.jsonl"  # the search's own and each parallel worker's


def worker_journal(worker_id: str) -> str:
    return f"tracking-journal-{worker_id}.jsonl"


def pending_records(path: Path) -> list[Record]:
    """The journal's records MLflow has not acknowledged, in the order they were written."""
    if not path.is_file():
        return []
    records: dict[str, Record] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash: the record was never sent either
        if "sent" in entry:
            records.pop(entry["sent"], None)
        else:
            records[entry["key"]] = upgrade(entry)
    return list(records.values())


def is_transient(error: Exception) -> bool:
    """A failure worth retrying later (server away, database busy) rather than a bad record."""
    if isinstance(error, OSError) or type(error).__name__ == "OperationalError":
        return True  # connection refused or timed out; SQLite busy
    code = getattr(error, "error_code", None)
    return code is not None and code not in PERMANENT


# MLflow error codes that say "this record will never be accepted": drop it, say so, go on.
PERMANENT = {"INVALID_PARAMETER_VALUE", "RESOURCE_ALREADY_EXISTS", "RESOURCE_DOES_NOT_EXIST"}


class Journal:
    """Journals first, then sends through a writer; a `TrialListener` for a search's events."""

    def __init__(self, writer: Any, directory: Path, name: str = JOURNAL) -> None:
        self.writer = writer
        self.path = Path(directory) / name
        self.pending: list[Record] = pending_records(self.path)
        self.offline = False
        self._attempts: dict[str, str] = {}

    @property
    def tracker(self) -> Any:
        """The writer (a search's `SearchTracker`), under the name the runner uses."""
        return self.writer

    # -- TrialListener -------------------------------------------------------------------
    def trial_started(self, trial_id: str, hyperparameters: dict[str, Any]) -> None:
        # This record's key names the attempt: its run is found again on any replay.
        data = {"trial_id": trial_id, "hyperparameters": hyperparameters}
        self._attempts[trial_id] = self.post("trial_started", data)

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        data = {"trial_id": trial_id, "epoch": epoch, "metrics": metrics}
        self.post("epoch_ended", data, attempt=self._attempts.get(trial_id))

    def trial_measured(self, trial_id: str, measures: Data, notes: Data) -> None:
        data = {"trial_id": trial_id, "measures": measures, "notes": notes}
        self.post("trial_measured", data, attempt=self._attempts.get(trial_id))

    def trial_ended(self, outcome: TrialOutcome) -> None:
        attempt = self._attempts.pop(outcome.trial_id, None)
        self.post("trial_ended", {"outcome": dataclasses.asdict(outcome)}, attempt=attempt)

    # -- end of search -------------------------------------------------------------------
    def log_best(
        self,
        score: float | None,
        hyperparameters: Data,
        test_metrics: Data,
        best_config: str,
        refit: str | None = None,
        champion: Data | None = None,
    ) -> None:
        data = {
            "refit": refit,
            "chosen": champion,  # the champion rule's note and trial
            "score": score,
            "hyperparameters": hyperparameters,
            "test_metrics": test_metrics,
            "best_config_yaml": best_config,
        }
        self.post("search_best", data)

    def log_model_file(self, model_path: str, sample_path: str, registered_name: str) -> None:
        data = {
            "model_path": model_path,
            "sample_path": sample_path,
            "registered_name": registered_name,
        }
        self.post("model_file", data)

    def log_compute(self, pflop: float) -> None:
        self.post("search_compute", {"pflop": pflop})

    def finish(self, status: str = "FINISHED") -> None:
        self.post("search_finished", {"status": status})

    # -- the journal ---------------------------------------------------------------------
    def post(self, op: str, data: Data, attempt: str | None = None) -> str:
        """Journals one record durably, then sends everything pending unless MLflow is away."""
        if op not in OPERATIONS:
            raise ValueError(f"unknown journal operation '{op}'")
        record = {
            "v": FORMAT,
            "key": uuid.uuid4().hex,
            "op": op,
            "data": _plain(data),
            "at": int(time.time() * 1000),
            "attempt": attempt,
        }
        self._append(record)
        self.pending.append(record)
        if not (self.offline and op in DETAIL):
            self.flush()
        return str(record["key"])

    def flush(self) -> bool:
        """Sends pending records in order; stops at the first MLflow cannot take now."""
        while self.pending:
            record = self.pending[0]
            try:
                send(self.writer, record)
            except Exception as error:
                if is_transient(error):
                    self._went_offline(error)
                    return False
                log.error("MLflow refused a %s record, dropped: %s", record["op"], error)
            self._append({"sent": record["key"]}, durable=False)
            self.pending.pop(0)
        if self.offline:
            log.warning("tracking store %s is back: pending records written", self.writer.uri)
            self.offline = False
        return True

    def _went_offline(self, error: Exception) -> None:
        if not self.offline:
            first = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
            log.warning(
                "tracking store %s unreachable (%s); training goes on, records are kept in %s "
                "and written when it is back",
                self.writer.uri,
                first,
                self.path,
            )
        self.offline = True

    def _append(self, line: Record, durable: bool = True) -> None:
        """Appends a journal line; a `durable` one is on disk when this returns. A "sent" mark
        need not be: a killed process loses nothing written (the kernel holds it), and one lost
        to a power cut only sends its record again, which is idempotent."""
        with open(self.path, "a", encoding="utf-8") as journal:
            journal.write(json.dumps(line) + "\n")
            journal.flush()
            if durable:
                os.fsync(journal.fileno())


def _plain(value: Any) -> Any:
    """JSON-ready data: mappings and sequences kept, numbers kept, other values as str."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
