"""What the benchmarks share: a small experiment, process memory, and a per-epoch timer."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import keras

from search.experiment import Experiment, validate_experiment


def experiment(
    workdir: Path,
    *,
    dataset: str = "sklearn_digits",
    tuner: str = "random",
    trials: int = 3,
    epochs: int = 2,
    batch_size: int = 32,
    max_seconds: float | None = None,
    hyperparameters: dict[str, Any] | None = None,
) -> Experiment:
    """A benchmark experiment on the image-cnn space, with every output under `workdir`."""
    return validate_experiment(
        {
            "name": f"bench-{tuner}",
            "dataset": {"name": dataset, "data_dir": str(workdir / "tfds")},
            "space": {"name": "image-cnn", "hyperparameters": hyperparameters or {}},
            "tuner": {"kind": tuner, "max_trials": trials, "seed": 7, "max_seconds": max_seconds},
            "training": {"epochs": epochs, "batch_size": batch_size},
            "output_dir": str(workdir / "runs"),
        },
        source="benchmark",
    )


def tracking_uri(workdir: Path, name: str) -> str:
    return f"sqlite:///{workdir / f'{name}.db'}"


def rss_mb() -> float:
    """The resident memory of this process now, in MiB."""
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def cpu_seconds() -> float:
    """CPU time this process has used (all threads, user + system): unlike wall time, barely
    moved by other processes sharing the cores."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class EpochTimer(keras.callbacks.Callback):
    """Wall time of each epoch, so the first (tracing) epoch can be left out of rates."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.seconds.append(time.perf_counter() - self._start)

    def samples_per_second(self, samples_per_epoch: int) -> float:
        steady = self.seconds[1:] or self.seconds
        return samples_per_epoch * len(steady) / sum(steady)


def fixed_model(spec: Any, values: dict[str, Any], overrides: Any = None) -> keras.Model:
    """The image-cnn model for `values` (the experiment's `overrides`, then the space's
    defaults elsewhere), compiled."""
    import keras_tuner as kt

    from search.tuning.hypermodel import SpaceHyperModel
    from spaces import SPACES

    hp = kt.HyperParameters()
    hp.values.update(values)
    keras.backend.clear_session()
    return SpaceHyperModel(SPACES.get("image-cnn"), spec, overrides).build(hp)
