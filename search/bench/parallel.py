"""Parallel trials: trials an hour with 2 workers of 1 CPU thread each vs 1 worker with both.

The same search (same seed, so the same trials in the same order) runs twice through the
chief/worker engine, side by side. Trials an hour count from the first trial's start to the
last trial's end, so the fixed start (MLflow server, workers importing TensorFlow) and the
final evaluation are left out; they are reported as total seconds.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from search.bench.common import experiment, tracking_uri
from search.outcome import TrialOutcome


class _Clock:
    def __init__(self) -> None:
        self.first: float | None = None
        self.last = 0.0
        self.completed = 0

    def trial_started(self, trial_id: str, hyperparameters: dict[str, Any]) -> None:
        self.first = self.first or time.perf_counter()

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        pass

    def trial_ended(self, outcome: TrialOutcome) -> None:
        self.last = time.perf_counter()
        self.completed += outcome.status == "COMPLETED"


def _trials_per_hour(workdir: Path, workers: int, trials: int, epochs: int) -> dict[str, Any]:
    from search.distributed.chief import Parallel
    from search.distributed.placement import placements
    from search.runner import run_search

    name = f"parallel-{workers}"
    clock = _Clock()
    started = time.perf_counter()
    run_search(
        experiment(workdir / name, trials=trials, epochs=epochs),
        tracking_uri=tracking_uri(workdir, name),
        listeners=[clock],
        parallel=Parallel(workers=workers),
    )
    loop = clock.last - (clock.first or clock.last)
    return {
        "workers": workers,
        "threads_per_worker": [len(p.cpus) for p in placements(workers)],
        "completed": clock.completed,
        "loop_seconds": round(loop, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "trials_per_hour": round(3600 * clock.completed / loop, 1) if loop else None,
    }


def measure(quick: bool, workdir: Path) -> dict[str, Any]:
    if quick:  # only that a parallel search runs: 2 trials on 2 workers, nothing to compare
        two = _trials_per_hour(workdir, 2, trials=2, epochs=1)
        return {
            "figure": "quick: a search on 2 workers ran (no comparison)",
            "ratio": None,
            "goal": "report",
            "passed": two["completed"] == 2,
            "details": {"two_workers": two},
        }
    trials, epochs = 8, 6
    one = _trials_per_hour(workdir, 1, trials, epochs)
    two = _trials_per_hour(workdir, 2, trials, epochs)
    ratio = (two["trials_per_hour"] or 0) / (one["trials_per_hour"] or 1)
    return {
        "figure": "trials/hour, 2 workers x 1 thread / 1 worker x 2 threads",
        "ratio": ratio,
        "goal": "report",
        "passed": True,
        "details": {"trials": trials, "epochs": epochs, "one_worker": one, "two_workers": two},
    }
