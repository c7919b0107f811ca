"""Journal files kept as each format wrote them replay into a real SQLite store, so a rename in
the writers cannot silently strand the records a user's interrupted search left pending.

`journals/v0-search.jsonl` was written by the `Outbox` of the code before the journal had
operations (records naming a tracker method, no "v"), while MLflow was unreachable;
`v1-*.jsonl` by today's `Journal`, the same way.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from search.errors import TrackingError
from search.tracking import reader, schema, store
from search.tracking.journal import JOURNAL, Journal, pending_records
from search.tracking.operations import upgrade
from search.tracking.sync import sync_directory
from search.tracking.writer import SearchTracker

JOURNALS = Path(__file__).parent / "journals"


def _replay(name: str, tmp_path: Path) -> tuple[SearchTracker, Path]:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = store.connect(uri)
    experiment = store.experiment_id(client, "journal", uri)
    tracker = SearchTracker.start(client, uri, experiment, "s", {"a": 1}, {}, {})
    directory = tmp_path / "search"
    directory.mkdir()
    shutil.copyfile(JOURNALS / name, directory / JOURNAL)
    assert Journal(tracker, directory).flush()
    return tracker, directory


@pytest.mark.parametrize("name", ["v0-search.jsonl", "v1-search.jsonl"])
def test_a_search_journal_replays_into_runs_params_metrics_and_statuses(
    name: str, tmp_path: Path
) -> None:
    tracker, directory = _replay(name, tmp_path)
    client = tracker.client
    assert pending_records(directory / JOURNAL) == []
    trials = {r.data.tags[schema.TRIAL_ID_TAG]: r for r in tracker.trial_runs()}
    assert sorted(trials) == ["0", "1"]

    done, failed = trials["0"], trials["1"]
    assert done.info.status == "FINISHED" and done.data.tags[schema.STATUS_TAG] == "COMPLETED"
    assert done.data.params == {"units": "32", "dropout": "0.25", "late": "x"}
    assert done.data.metrics[schema.SCORE] == 0.75 and done.data.metrics[schema.BEST_EPOCH] == 1
    assert reader.metric_history(client, done.info.run_id, "val_accuracy") == [(0, 0.5), (1, 0.75)]
    assert failed.info.status == "FAILED"
    assert failed.data.tags[schema.FAILURE_TAG] == "ValueError: loss is nan"

    parent = reader.get_run(client, tracker.parent_run_id)
    assert parent.info.status == "FINISHED"
    assert parent.data.metrics[schema.BEST_SCORE] == 0.75
    assert parent.data.metrics["test_accuracy"] == 0.7
    assert parent.data.params["best.units"] == "32"
    assert reader.best_hyperparameters(client, tracker.parent_run_id) == {
        "units": 32,
        "dropout": 0.25,
    }

    # Replayed once more (the "sent" marks lost): the same runs, nothing twice.
    journal = directory / JOURNAL
    kept = [line for line in journal.read_text().splitlines() if '"sent"' not in line]
    journal.write_text("\n".join(kept) + "\n")
    assert Journal(tracker, directory).flush()
    assert len(tracker.trial_runs()) == 2
    assert len(client.get_metric_history(done.info.run_id, "loss")) == 2


def test_a_training_journal_replays_through_search_sync(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    directory = tmp_path / "train-1"
    directory.mkdir()
    shutil.copyfile(JOURNALS / "v1-train.jsonl", directory / JOURNAL)
    state = {"kind": "train", "tracking_uri": uri, "mlflow_experiment": "journal-train"}
    assert sync_directory(directory, state) == (4, 0)
    assert sync_directory(directory, state) == (0, 0)

    client = store.connect(uri)
    experiment = client.get_experiment_by_name("journal-train")
    [run] = client.search_runs([experiment.experiment_id])
    assert run.data.tags[schema.KIND] == schema.TRAIN
    assert run.info.status == "FAILED"
    assert run.data.tags[schema.FAILURE_TAG] == "non-finite training loss (nan) at epoch 1"
    assert run.data.params == {"units": "32", "train.epochs": "2"}
    assert run.data.metrics[schema.SOURCE_SCORE] == 0.75
    assert [step for step, _ in reader.metric_history(client, run.info.run_id, "loss")] == [0, 1]
    assert reader.trained_hyperparameters(client, run.info.run_id) == {"units": 32}


def test_every_method_a_v0_journal_can_name_is_read_as_an_operation() -> None:
    written = [json.loads(line) for line in (JOURNALS / "v0-search.jsonl").read_text().splitlines()]
    ops = [upgrade(entry)["op"] for entry in written]
    assert ops == [
        "trial_started",
        "epoch_ended",
        "epoch_ended",
        "trial_ended",
        "trial_started",
        "epoch_ended",
        "trial_ended",
        "search_best",
        "search_finished",
    ]
    model = upgrade({"key": "k", "method": "log_model_file", "args": ["m", "s", "n"], "at": 1})
    assert model["op"] == "model_file" and model["data"]["registered_name"] == "n"


def test_a_record_of_an_unknown_version_is_refused_in_one_line() -> None:
    with pytest.raises(TrackingError, match="unknown version 7"):
        upgrade({"v": 7, "key": "k", "op": "trial_started", "data": {}})
