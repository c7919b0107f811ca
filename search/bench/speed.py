"""Speed: samples/s and achieved GFLOP/s of training against the machine's measured peak,
for each setting tried (batch size, XLA, bf16 where the CPU has bf16 units); the fastest is
saved as this machine's choice (`search.speed.choice`), which searches then use.

Settings are timed in alternation on the same model and data (digits: image-cnn at its
defaults and a wider variant; the wider one on random 32x32x3 images, CIFAR's shape, which
decides the choice), first epoch (tracing) left out, median of the repeats.
"""

from __future__ import annotations

import dataclasses
import statistics
from pathlib import Path
from typing import Any

import keras

from search.bench.common import EpochTimer, experiment, fixed_model

WIDE = {"conv_blocks": 2, "conv_1/filters": 64, "conv_2/filters": 128, "kernel_size": 3}
Setting = tuple[int, bool, str]  # batch size, jit_compile, precision


def settings(quick: bool, bf16: bool, gpu: bool) -> list[Setting]:
    """Batch sizes in float32, then at the largest: XLA, bf16 (CPU bf16 units only),
    mixed_float16 (GPU only). --quick: two batch sizes, nothing else."""
    if quick:
        return [(32, False, "float32"), (128, False, "float32")]
    batches = (32, 64, 128)
    found: list[Setting] = [(b, False, "float32") for b in batches]
    found.append((batches[-1], True, "float32"))
    if bf16:
        found.append((batches[-1], False, "mixed_bfloat16"))
    if gpu:
        found.append((batches[-1], False, "mixed_float16"))
    return found


def measure(quick: bool, workdir: Path) -> dict[str, Any]:
    import tensorflow as tf

    from search.speed import choice, machine, probe

    bf16, gpu = machine.has_bf16_units(), bool(tf.config.list_physical_devices("GPU"))
    peak = {"float32": probe.peak_gflops("float32", seconds=0.5 if quick else 2.0)}
    if bf16:
        peak["bfloat16"] = probe.peak_gflops("bfloat16", seconds=0.5 if quick else 2.0)
    tried = settings(quick, bf16, gpu)
    rows = _rows("image-cnn", {}, _digits(workdir), tried, quick, peak["float32"])
    if not quick:
        rows += _rows("image-cnn-wide", WIDE, _digits(workdir), tried, quick, peak["float32"])
        rows += _rows("image-cnn-wide", WIDE, _cifar_shaped(), tried, quick, peak["float32"])
    # The choice follows CIFAR's shape, where compute dominates: on 8x8 digits per-step
    # overhead does, and the fastest batch there was the slowest here (AMD EPYC, 2 cores).
    chooser = "image-cnn (sklearn_digits)" if quick else "image-cnn-wide (random-32x32x3)"
    fastest = _fastest(rows, chooser)
    chosen = dataclasses.replace(
        choice.rule(),
        batch_size=fastest["batch_size"],
        jit_compile=fastest["jit_compile"],
        precision=fastest["precision"],
        source="measured by search bench",
    )
    # Only the full measurement is kept as the machine's choice: --quick tries too little.
    saved = "not saved (--quick)" if quick else str(choice.save(chosen))
    reference = next(r for r in rows if r["model"] == chooser and r["batch_size"] == 32)
    return {
        "figure": f"samples/s, fastest setting / batch 32 float32 ({chooser})",
        "ratio": fastest["samples_per_s"] / reference["samples_per_s"],
        "goal": "report; the fastest becomes this machine's default",
        "passed": True,
        "details": {
            "machine": machine.describe(),
            "threads": f"intra-op {chosen.intra_op_threads}, inter-op {chosen.inter_op_threads}",
            "peak_gflops": {k: round(v, 1) for k, v in peak.items()},
            "settings": rows,
            "chosen": choice.as_dict(chosen),
            "cache": saved,
        },
    }


def _digits(workdir: Path) -> tuple[Any, Any]:
    """(spec, training split) of the offline digits dataset (8x8x1)."""
    from search.data.loading import load_dataset

    data = load_dataset(experiment(workdir).dataset)
    return data.spec, data.train


def _cifar_shaped(size: int = 2048) -> tuple[Any, Any]:
    """(spec, training split) of random 32x32x3 images: CIFAR's shape, for its speed only."""
    import numpy as np
    import tensorflow as tf

    from search.data.spec import DataSpec

    spec = DataSpec(
        name="random-32x32x3",
        version="0",
        modality="image",
        input_shape=(32, 32, 3),
        num_classes=10,
        class_names=tuple(str(i) for i in range(10)),
        split_sizes={"train": size},
    )
    rng = np.random.default_rng(7)
    images = rng.integers(0, 256, (size, 32, 32, 3)).astype("uint8")
    labels = rng.integers(0, 10, size).astype("int64")
    return spec, tf.data.Dataset.from_tensor_slices((images, labels))


def _rows(
    name: str,
    values: dict[str, Any],
    data: tuple[Any, Any],
    tried: list[Setting],
    quick: bool,
    peak: float,
) -> list[dict[str, Any]]:
    """One row per setting: samples/s and GFLOP/s (median over repeats, in alternation)."""
    from search.data.pipeline import training_pipeline
    from search.speed.flops import forward_flops

    spec, split = data
    epochs, repeats = (3, 1) if quick else (4, 2)
    size = spec.split_sizes["train"]
    rates: dict[Setting, list[float]] = {s: [] for s in tried}
    forward = forward_flops(fixed_model(spec, values)) or 0.0
    for repeat in range(repeats):
        for setting in tried if repeat % 2 == 0 else list(reversed(tried)):
            batch, jit, precision = setting
            keras.mixed_precision.set_global_policy(precision)
            model, timer = fixed_model(spec, values), EpochTimer()
            model.jit_compile = jit
            train = training_pipeline(split, batch, 7, size)
            model.fit(train, epochs=epochs, verbose=0, callbacks=[timer])
            rates[setting].append(timer.samples_per_second(size))
    keras.mixed_precision.set_global_policy("float32")
    return [
        _row(f"{name} ({spec.name})", setting, statistics.median(found), forward, peak)
        for setting, found in rates.items()
    ]


def _row(model: str, setting: Setting, rate: float, forward: float, peak: float) -> dict[str, Any]:
    from search.speed.flops import training_flops

    batch, jit, precision = setting
    gflops = training_flops(forward, 1) * rate / 1e9
    return {
        "model": model,
        "batch_size": batch,
        "jit_compile": jit,
        "precision": precision,
        "samples_per_s": round(rate, 1),
        "gflops": round(gflops, 2),
        "of_peak": round(gflops / peak, 4),
        "forward_flops": forward,
    }


def _fastest(rows: list[dict[str, Any]], model: str) -> dict[str, Any]:
    """The fastest setting of `model` (what searches on this machine then use)."""
    return max((r for r in rows if r["model"] == model), key=lambda r: r["samples_per_s"])
