"""Framework overhead: a whole `search run` against plain `model.fit` of the same trials.

The search runs first (random tuner, real MLflow SQLite store); then each trial's exact
hyperparameters are built and fitted with plain Keras on the same pipelines and epochs,
timed around `model.fit` alone. The loop ratio (first trial start to last trial end,
over the sum of plain fits) is the per-trial cost of tuning + tracking; the total ratio
adds the fixed costs (dataset, MLflow set-up, test evaluation, model registration).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from search.bench.common import experiment, fixed_model, tracking_uri
from search.tuning.events import TrialOutcome

GOAL = 1.03


class _TrialClock:
    """A listener keeping each trial's hyperparameters and start / end times."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.ended: dict[str, float] = {}
        self.values: dict[str, dict[str, Any]] = {}

    def trial_started(self, trial_id: str, hyperparameters: dict[str, Any]) -> None:
        self.started[trial_id] = time.perf_counter()

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        pass

    def trial_ended(self, outcome: TrialOutcome) -> None:
        self.ended[outcome.trial_id] = time.perf_counter()
        self.values[outcome.trial_id] = outcome.hyperparameters


def measure(quick: bool, workdir: Path) -> dict[str, Any]:
    from search.data.loading import load_dataset
    from search.data.pipeline import evaluation_pipeline, training_pipeline
    from search.runner import run_search

    trials, epochs = (3, 2) if quick else (8, 10)
    config = experiment(workdir, trials=trials, epochs=epochs)
    data = load_dataset(config.dataset)  # prepared once, outside both timings
    clock = _TrialClock()
    started = time.perf_counter()
    run_search(config, tracking_uri=tracking_uri(workdir, "overhead"), listeners=[clock])
    total = time.perf_counter() - started
    loop = max(clock.ended.values()) - min(clock.started.values())

    batch, seed = config.training.batch_size, config.tuner.seed
    size = data.spec.split_sizes["train"]
    fits = []
    for values in clock.values.values():
        model = fixed_model(data.spec, values)
        train = training_pipeline(data.train, batch, seed, size)
        validation = evaluation_pipeline(data.validation, batch)
        fit_start = time.perf_counter()
        model.fit(train, validation_data=validation, epochs=epochs, verbose=0)
        fits.append(time.perf_counter() - fit_start)
    plain = sum(fits)
    return {
        "figure": "search loop wall / sum of plain model.fit",
        "ratio": loop / plain,
        "goal": f"<= {GOAL}",
        "passed": loop / plain <= GOAL,
        "details": {
            "trials": len(fits),
            "epochs": epochs,
            "plain_fit_seconds": round(plain, 2),
            "search_loop_seconds": round(loop, 2),
            "search_total_seconds": round(total, 2),
            "total_ratio": round(total / plain, 3),
        },
    }
