"""Quality within a budget: best test accuracy that Hyperband and random search reach in
the same wall-clock budget (`tuner.max_seconds`), one after the other on the same data.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from search.bench.common import experiment, tracking_uri

TUNERS = ("hyperband", "random")


def measure(quick: bool, workdir: Path, dataset: str = "sklearn_digits") -> dict[str, Any]:
    from search.runner import run_search

    budget, epochs = (10.0, 2) if quick else (240.0, 10)
    found: dict[str, dict[str, Any]] = {}
    for kind in TUNERS:
        config = experiment(
            workdir, dataset=dataset, tuner=kind, trials=200, epochs=epochs, max_seconds=budget
        )
        started = time.perf_counter()
        result = run_search(config, tracking_uri=tracking_uri(workdir, f"quality-{kind}"))
        found[kind] = {
            "test_accuracy": round(result.test_metrics["accuracy"], 4),
            "trials": sum(result.trials.values()),
            "seconds": round(time.perf_counter() - started, 1),
        }
    ratio = found["hyperband"]["test_accuracy"] / found["random"]["test_accuracy"]
    return {
        "figure": "best test accuracy hyperband / random, same budget",
        "ratio": ratio,
        "goal": "report",
        "passed": True,
        "details": {"budget_seconds": budget, "max_epochs": epochs, "dataset": dataset, **found},
    }
