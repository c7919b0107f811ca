"""Precision: samples/s and accuracy with the `mixed_bfloat16` policy vs float32.

This CPU has AVX-512 BF16 and AMX, so bfloat16 matrix work may be faster; whether the
whole training step is faster, and whether accuracy holds, is what this measures. Both
policies train the same architecture from the same seed, in alternation.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import keras

from search.bench.common import EpochTimer, experiment, fixed_model

# A model with enough convolution work for the policy to matter.
WIDE = {"conv_blocks": 2, "conv_1/filters": 64, "conv_2/filters": 128, "kernel_size": 3}
POLICIES = ("float32", "mixed_bfloat16")


def measure(quick: bool, workdir: Path) -> dict[str, Any]:
    from search.data.loading import load_dataset
    from search.data.pipeline import evaluation_pipeline, training_pipeline

    epochs, repeats = (3, 1) if quick else (8, 2)
    config = experiment(workdir)
    data = load_dataset(config.dataset)
    size, batch, seed = data.spec.split_sizes["train"], config.training.batch_size, 7
    rates: dict[str, list[float]] = {p: [] for p in POLICIES}
    accuracy: dict[str, list[float]] = {p: [] for p in POLICIES}
    for _ in range(repeats):
        for policy in POLICIES:
            keras.mixed_precision.set_global_policy(policy)
            keras.utils.set_random_seed(seed)
            model, timer = fixed_model(data.spec, WIDE), EpochTimer()
            train = training_pipeline(data.train, batch, seed, size)
            validation = evaluation_pipeline(data.validation, batch)
            history = model.fit(
                train, validation_data=validation, epochs=epochs, verbose=0, callbacks=[timer]
            )
            rates[policy].append(timer.samples_per_second(size))
            accuracy[policy].append(history.history["val_accuracy"][-1])
    keras.mixed_precision.set_global_policy("float32")
    fp32, bf16 = (statistics.median(rates[p]) for p in POLICIES)
    return {
        "figure": "samples/s mixed_bfloat16 / float32",
        "ratio": bf16 / fp32,
        "goal": "> 1.0 with accuracy held, to become an option",
        "passed": bf16 / fp32 > 1.0,
        "details": {
            "float32_samples_per_s": round(fp32, 1),
            "bfloat16_samples_per_s": round(bf16, 1),
            "float32_val_accuracy": round(statistics.median(accuracy["float32"]), 4),
            "bfloat16_val_accuracy": round(statistics.median(accuracy["mixed_bfloat16"]), 4),
            "epochs": epochs,
            "dataset": data.spec.name,
        },
    }
