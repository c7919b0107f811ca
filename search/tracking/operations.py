"""The journal's operations: what each record asks of its writer, and older formats read anew.

An operation is a name and its data (never a method name replayed with getattr), so a journal
written today still replays after the writers are refactored: add an operation, never rename
one. Version 0 journals (a `SearchTracker` method and its positional arguments) are read as
the operations they meant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from search.errors import TrackingError
from search.outcome import TrialOutcome

FORMAT = 1

Record = dict[str, Any]
Data = dict[str, Any]


# -- operations: what each record asks of its writer ------------------------------------------
def _trial_started(writer: Any, data: Data, record: Record) -> None:
    writer.trial_started(data["trial_id"], data["hyperparameters"], attempt=record["key"])


def _epoch_ended(writer: Any, data: Data, record: Record) -> None:
    writer.epoch_ended(
        data["trial_id"], data["epoch"], data["metrics"], at=record["at"], attempt=record["attempt"]
    )


def _trial_measured(writer: Any, data: Data, record: Record) -> None:
    writer.trial_measured(
        data["trial_id"],
        data["measures"],
        data["notes"],
        at=record["at"],
        attempt=record["attempt"],
    )


def _trial_ended(writer: Any, data: Data, record: Record) -> None:
    outcome = TrialOutcome(**data["outcome"])
    writer.trial_ended(outcome, at=record["at"], attempt=record["attempt"])


def _search_best(writer: Any, data: Data, record: Record) -> None:
    writer.log_best(
        data["score"],
        data["hyperparameters"],
        data["test_metrics"],
        data["best_config_yaml"],
        data.get("refit"),  # records written before the refit existed have none
        data.get("chosen"),  # nor before the champion rule
    )


def _model_file(writer: Any, data: Data, record: Record) -> None:
    writer.log_model_file(data["model_path"], data["sample_path"], data["registered_name"])


def _search_compute(writer: Any, data: Data, record: Record) -> None:
    writer.log_compute(data["pflop"])


def _search_finished(writer: Any, data: Data, record: Record) -> None:
    writer.finish(data["status"])


def _train_started(writer: Any, data: Data, record: Record) -> None:
    writer.train_started(data, at=record["at"], attempt=record["key"])


def _train_epoch(writer: Any, data: Data, record: Record) -> None:
    writer.train_epoch(data["epoch"], data["metrics"], at=record["at"], attempt=record["attempt"])


def _train_model(writer: Any, data: Data, record: Record) -> None:
    writer.train_model(data, attempt=record["attempt"])


def _train_finished(writer: Any, data: Data, record: Record) -> None:
    writer.train_finished(data, at=record["at"], attempt=record["attempt"])


OPERATIONS: dict[str, Callable[[Any, Data, Record], None]] = {
    "trial_started": _trial_started,
    "epoch_ended": _epoch_ended,
    "trial_ended": _trial_ended,
    "trial_measured": _trial_measured,
    "search_best": _search_best,
    "model_file": _model_file,
    "search_finished": _search_finished,
    "search_compute": _search_compute,
    "train_started": _train_started,
    "train_epoch": _train_epoch,
    "train_model": _train_model,
    "train_finished": _train_finished,
}
# Records that only add detail inside a run: while MLflow is away, they wait for the next
# boundary instead of trying (and timing out) once per epoch.
DETAIL = {"epoch_ended", "train_epoch", "trial_measured"}


def _names(*fields: str) -> Callable[[list[Any]], Data]:
    return lambda args: dict(zip(fields, args, strict=False))


# Version 0: the `SearchTracker` method a record named, and its arguments in order.
V0_METHODS: dict[str, tuple[str, Callable[[list[Any]], Data]]] = {
    "trial_started": ("trial_started", _names("trial_id", "hyperparameters")),
    "epoch_ended": ("epoch_ended", _names("trial_id", "epoch", "metrics")),
    "trial_ended": ("trial_ended", _names("outcome")),
    "log_best": (
        "search_best",
        _names("score", "hyperparameters", "test_metrics", "best_config_yaml"),
    ),
    "log_model_file": ("model_file", _names("model_path", "sample_path", "registered_name")),
    "finish": ("search_finished", lambda args: {"status": args[0] if args else "FINISHED"}),
}


def upgrade(entry: Record) -> Record:
    """A journal line of any known version as a version-1 record."""
    version = entry.get("v", 0)
    if version == FORMAT:
        return entry
    if version == 0 and entry.get("method") in V0_METHODS:
        op, to_data = V0_METHODS[entry["method"]]
        return {
            "v": FORMAT,
            "key": entry["key"],
            "op": op,
            "data": to_data(list(entry.get("args", []))),
            "at": entry.get("at"),
            "attempt": entry.get("attempt"),
        }
    what = f"version {version}" if version != 0 else f"method '{entry.get('method')}'"
    raise TrackingError(
        f"a journal record has an unknown {what}; replay it with the version of `search` "
        "that wrote it"
    )


def send(writer: Any, record: Record) -> None:
    """Performs one record's operation on the writer."""
    OPERATIONS[record["op"]](writer, record["data"], record)
