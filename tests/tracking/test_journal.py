"""The tracking journal against a real `mlflow server`: records kept while it is down are sent
at the next trial boundary, and replaying a whole journal again duplicates nothing."""

from __future__ import annotations

import json

from search.outcome import TrialOutcome
from search.tracking import store
from search.tracking.journal import JOURNAL, Journal, pending_records
from search.tracking.writer import SearchTracker
from tests.mlflow_server import MlflowServer, free_port


def test_records_wait_for_the_next_trial_and_a_replay_duplicates_nothing(tmp_path) -> None:
    server = MlflowServer(tmp_path, free_port())
    try:
        server.start()
        client = store.connect(server.uri)
        experiment = store.experiment_id(client, "outbox", server.uri)
        tracker = SearchTracker.start(client, server.uri, experiment, "s", {"a": 1}, {}, {})
        outbox = Journal(tracker, tmp_path)
        outbox.trial_started("0", {"units": 32})
        outbox.epoch_ended("0", 0, {"loss": 1.0})

        server.stop()
        outbox.epoch_ended("0", 1, {"loss": 0.5})
        outbox.trial_ended(TrialOutcome("0", "COMPLETED", 0.9, {"units": 32}, 1.0, best_step=1))
        assert outbox.offline and [r["op"] for r in outbox.pending] == [
            "epoch_ended",
            "trial_ended",
        ]

        server.start()
        outbox.trial_started("1", {"units": 64})  # the next trial: everything goes out
        assert not outbox.offline and outbox.pending == []
        assert pending_records(tmp_path / JOURNAL) == []

        # A crash between sending and acknowledging: the whole journal is sent again.
        journal = tmp_path / JOURNAL
        lines = [json.loads(line) for line in journal.read_text().splitlines()]
        journal.write_text("".join(json.dumps(r) + "\n" for r in lines if "sent" not in r))
        again = Journal(SearchTracker.attach(client, server.uri, tracker.parent_run_id), tmp_path)
        assert len(again.pending) == 5 and again.flush()

        runs = tracker.trial_runs()
        assert sorted(r.data.tags["search.trial_id"] for r in runs) == ["0", "1"]
        first = next(r for r in runs if r.data.tags["search.trial_id"] == "0")
        assert first.info.status == "FINISHED" and first.data.metrics["score"] == 0.9
        history = client.get_metric_history(first.info.run_id, "loss")
        assert sorted((m.step, m.value) for m in history) == [(0, 1.0), (1, 0.5)]
    finally:
        server.stop()
