"""Quality within a budget: best test accuracy that Hyperband and random search reach in
the same wall-clock budget (`tuner.max_seconds`), one after the other on the same data.

The full run searches CIFAR-10 (`search.bench.cifar`: the shipped experiment's space on 600
training images of each class, scored on the whole test split) with a budget that lets
Hyperband (9 epochs at most, factor 3) run its first brackets; `--quick` searches the
8x8 digits for seconds, only to show that it completes.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from search.bench import cifar
from search.bench.common import experiment, tracking_uri
from search.experiment import Experiment

TUNERS = ("hyperband", "random")
BUDGET_SECONDS, QUICK_BUDGET_SECONDS = 240.0, 5.0  # quick: only that it runs
MAX_EPOCHS, QUICK_EPOCHS = 9, 2
PER_CLASS = {"train": 600, "test": 1000}  # CIFAR-10's test split has 1,000 of each class
CHANCE = 0.10  # ten balanced classes


def _experiment(quick: bool, workdir: Path, kind: str) -> Experiment:
    if quick:
        return experiment(
            workdir, tuner=kind, trials=200, epochs=QUICK_EPOCHS, max_seconds=QUICK_BUDGET_SECONDS
        )
    tuner = {"kind": kind, "max_trials": 200, "max_seconds": BUDGET_SECONDS, "hyperband_factor": 3}
    return cifar.experiment(workdir / kind, PER_CLASS, tuner, {"epochs": MAX_EPOCHS})


def measure(quick: bool, workdir: Path) -> dict[str, Any]:
    from search.runner import run_search

    found: dict[str, dict[str, Any]] = {}
    for kind in TUNERS:
        config = _experiment(quick, workdir, kind)
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
        "details": {
            "dataset": "sklearn_digits" if quick else cifar.describe(PER_CLASS),
            "budget_seconds": config.tuner.max_seconds,
            "max_epochs": config.training.epochs,
            "chance_accuracy": CHANCE,
            **found,
        },
    }
