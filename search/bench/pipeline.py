"""Input pipeline: training samples/s from the TFDS pipeline vs from in-memory NumPy arrays.

The same model (image-cnn at its default hyperparameters) trains from both sources in
alternation (ABBA order), a fresh model each time; the first epoch (graph tracing) is left
out of the rates, and the median of the repeats is kept.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import numpy as np

from search.bench.common import EpochTimer, experiment, fixed_model

GOAL = 1.0


def measure(quick: bool, workdir: Path) -> dict[str, Any]:
    import tensorflow_datasets as tfds

    from search.data.loading import load_dataset
    from search.data.pipeline import training_pipeline

    # Digits epochs last ~0.1 s: many of them, and sources in ABBA order, so that noise and
    # warm-up do not decide the ratio (6 epochs x 3 repeats swung 0.85-1.32 on one machine).
    epochs, repeats = (3, 2) if quick else (16, 6)
    config = experiment(workdir)
    data = load_dataset(config.dataset)
    size, batch = data.spec.split_sizes["train"], config.training.batch_size
    images, labels = (np.stack(a) for a in zip(*tfds.as_numpy(data.train), strict=True))
    images = images.astype("float32")

    rates: dict[str, list[float]] = {"tfds": [], "numpy": []}
    for repeat in range(repeats):
        for source in ("numpy", "tfds") if repeat % 2 == 0 else ("tfds", "numpy"):
            model, timer = fixed_model(data.spec, {}), EpochTimer()
            if source == "tfds":
                train = training_pipeline(data.train, batch, config.tuner.seed, size)
                model.fit(train, epochs=epochs, verbose=0, callbacks=[timer])
            else:
                model.fit(
                    images,
                    labels,
                    batch_size=batch,
                    epochs=epochs,
                    shuffle=True,
                    verbose=0,
                    callbacks=[timer],
                )
            rates[source].append(timer.samples_per_second(size))
    tfds_rate, numpy_rate = (statistics.median(rates[k]) for k in ("tfds", "numpy"))
    return {
        "figure": "samples/s from TFDS pipeline / from NumPy arrays",
        "ratio": tfds_rate / numpy_rate,
        "goal": f">= {GOAL}",
        "passed": tfds_rate / numpy_rate >= GOAL,
        "details": {
            "tfds_samples_per_s": round(tfds_rate, 1),
            "numpy_samples_per_s": round(numpy_rate, 1),
            "epochs": epochs,
            "repeats": repeats,
            "dataset": data.spec.name,
        },
    }
