"""Framework overhead: a whole `search run` against plain `model.fit` of the same trials.

The search runs first (random tuner, real MLflow SQLite store); then each trial's exact
hyperparameters are built and fitted with plain Keras on the same pipelines and epochs,
timed around `model.fit` alone. The loop ratio (first trial start to last trial end,
over the sum of plain fits) is the per-trial cost of tuning + tracking; the total ratio
adds the fixed costs (dataset, MLflow set-up, test evaluation, model registration); the
CPU ratio is the loop's over the fits' CPU time, which other processes on the cores move
far less than wall time. The full run's trials are CIFAR-10 trials of 10-30 s each on 2
idle cores (`search.bench.cifar`), so fixed per-trial costs weigh as in a real search.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from search.bench import cifar
from search.bench.common import cpu_seconds, experiment, fixed_model, tracking_uri
from search.experiment import Experiment
from search.outcome import TrialOutcome

GOAL = 1.03
TRIALS, EPOCHS = 5, 4
PER_CLASS = {"train": 1000, "test": 100}  # 9,000 training images, 1,000 for validation


class _TrialClock:
    """A listener keeping each trial's hyperparameters and start / end times (wall, CPU)."""

    def __init__(self) -> None:
        self.started: dict[str, tuple[float, float]] = {}
        self.ended: dict[str, tuple[float, float]] = {}
        self.values: dict[str, dict[str, Any]] = {}

    def trial_started(self, trial_id: str, hyperparameters: dict[str, Any]) -> None:
        self.started.setdefault(trial_id, (time.perf_counter(), cpu_seconds()))

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        pass

    def trial_ended(self, outcome: TrialOutcome) -> None:
        self.ended[outcome.trial_id] = (time.perf_counter(), cpu_seconds())
        self.values[outcome.trial_id] = outcome.hyperparameters

    def loop(self) -> tuple[float, float]:
        """Wall and CPU seconds from the first trial's start to the last one's end."""
        first, last = min(self.started.values()), max(self.ended.values())
        return last[0] - first[0], last[1] - first[1]


def _experiment(quick: bool, workdir: Path) -> Experiment:
    """Trials of the size users run, on 2 cores: each a minute or so.

    Digits trials (a fraction of a second an epoch) would measure mostly fixed costs that
    no real search shows; `--quick` uses them only to show that the benchmark completes."""
    if quick:
        return experiment(workdir, trials=3, epochs=2)
    tuner = {"kind": "random", "max_trials": TRIALS, "max_seconds": None}
    training = {"epochs": EPOCHS, "early_stopping_patience": None}
    return cifar.experiment(workdir, PER_CLASS, tuner, training)


def measure(quick: bool, workdir: Path) -> dict[str, Any]:
    dataset = "sklearn_digits" if quick else cifar.describe(PER_CLASS)
    return compare(_experiment(quick, workdir), workdir, dataset)


def compare(config: Experiment, workdir: Path, dataset: str) -> dict[str, Any]:
    """The search of `config`, then plain fits of its trials; their figures."""
    from search.data.loading import load_dataset
    from search.data.pipeline import evaluation_pipeline, training_pipeline
    from search.runner import run_search

    epochs = config.training.epochs
    data = load_dataset(config.dataset)  # prepared once, outside both timings
    clock = _TrialClock()
    started = time.perf_counter()
    run_search(config, tracking_uri=tracking_uri(workdir, "overhead"), listeners=[clock])
    total = time.perf_counter() - started
    loop, loop_cpu = clock.loop()

    batch, seed = config.training.batch_size, config.tuner.seed
    size = data.spec.split_sizes["train"]
    fits, fits_cpu = [], []
    for values in clock.values.values():
        model = fixed_model(data.spec, values, config.space.hyperparameters)
        train = training_pipeline(data.train, batch, seed, size)
        validation = evaluation_pipeline(data.validation, batch)
        fit_start, fit_cpu = time.perf_counter(), cpu_seconds()
        model.fit(train, validation_data=validation, epochs=epochs, verbose=0)
        fits.append(time.perf_counter() - fit_start)
        fits_cpu.append(cpu_seconds() - fit_cpu)
    plain, plain_cpu = sum(fits), sum(fits_cpu)
    return {
        "figure": "search loop wall / sum of plain model.fit",
        "ratio": loop / plain,
        "goal": f"<= {GOAL}",
        "passed": loop / plain <= GOAL,
        "details": {
            "dataset": dataset,
            "trials": len(fits),
            "epochs": epochs,
            "plain_fit_seconds": round(plain, 2),
            "search_loop_seconds": round(loop, 2),
            "search_total_seconds": round(total, 2),
            "total_ratio": round(total / plain, 3),
            "cpu_ratio": round(loop_cpu / plain_cpu, 3),
            "overhead_seconds_per_trial": round((loop - plain) / len(fits), 2),
        },
    }
