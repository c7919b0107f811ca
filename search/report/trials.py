"""Everything the search learns about each trial, collected as it happens (a TrialListener)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from search.outcome import TrialOutcome


@dataclass
class TrialRecord:
    """One trial: its hyperparameters, how it ended, and every epoch's metrics."""

    trial_id: str
    hyperparameters: dict[str, Any]
    status: str = "RUNNING"
    score: float | None = None
    seconds: float | None = None
    history: dict[str, dict[int, float]] = field(default_factory=dict)
    costs: dict[str, float] = field(default_factory=dict)  # params, FLOPs, size, latency
    refused: bool = False  # by tuner.constraints, before training

    @property
    def completed(self) -> bool:
        return self.status == "COMPLETED" and self.score is not None

    @property
    def epochs(self) -> int:
        return max((len(values) for values in self.history.values()), default=0)


class TrialRecorder:
    """Keeps a `TrialRecord` per trial from the tuner's events, for the report."""

    def __init__(self) -> None:
        self._records: dict[str, TrialRecord] = {}

    def trial_started(self, trial_id: str, hyperparameters: dict[str, Any]) -> None:
        # A retried (INVALID) trial starts again under the same id: its old epochs go.
        self._records[trial_id] = TrialRecord(trial_id, dict(hyperparameters))

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        record = self._records.get(trial_id)
        if record is None:
            return
        for name, value in metrics.items():
            record.history.setdefault(name, {})[epoch] = value

    def trial_measured(self, trial_id: str, measures: dict[str, float], notes: Any) -> None:
        record = self._records.get(trial_id)
        if record is not None:
            record.costs.update(measures)

    def trial_ended(self, outcome: TrialOutcome) -> None:
        record = self._records.setdefault(
            outcome.trial_id, TrialRecord(outcome.trial_id, dict(outcome.hyperparameters))
        )
        record.hyperparameters = dict(outcome.hyperparameters)
        record.status = outcome.status
        record.score = None if outcome.penalized else outcome.score  # broke tuner.constraints
        record.refused = outcome.refused
        record.seconds = outcome.seconds

    def records(self, oracle_trials: Iterable[Any] = ()) -> list[TrialRecord]:
        """Every trial seen, plus trials of the oracle this process did not run (a resumed
        search's earlier trials: no epoch history, since keras-tuner keeps only the best step).
        """
        merged = dict(self._records)
        for trial in oracle_trials:
            if trial.trial_id not in merged:
                score = trial.score
                merged[trial.trial_id] = TrialRecord(
                    trial.trial_id,
                    dict(trial.hyperparameters.values),
                    status=str(trial.status),
                    score=score if score is not None and math.isfinite(score) else None,
                )
        return [merged[key] for key in sorted(merged, key=lambda k: (len(k), k))]
