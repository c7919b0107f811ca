"""Speed: samples/s and achieved GFLOP/s of training against the machine's measured peak,
for each setting tried (batch size, XLA, bf16 where the CPU has bf16 units); the fastest is
saved as this machine's choice (`search.speed.choice`), which searches then use.

Settings are timed in alternation on the same model and data (digits, image-cnn at its
defaults and a wider variant), first epoch (tracing) left out, median of the repeats.
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
    models = {"image-cnn": {}} if quick else {"image-cnn": {}, "image-cnn-wide": WIDE}
    rows = [
        row
        for name, values in models.items()
        for row in _rows(name, values, settings(quick, bf16, gpu), quick, workdir, peak["float32"])
    ]
    fastest = _fastest(rows, "image-cnn")
    chosen = dataclasses.replace(
        choice.rule(),
        batch_size=fastest["batch_size"],
        jit_compile=fastest["jit_compile"],
        precision=fastest["precision"],
        source="measured by search bench",
    )
    # Only the full measurement is kept as the machine's choice: --quick tries too little.
    saved = "not saved (--quick)" if quick else str(choice.save(chosen))
    reference = next(r for r in rows if r["model"] == "image-cnn" and r["batch_size"] == 32)
    return {
        "figure": "samples/s, fastest setting / batch 32 float32 (image-cnn, digits)",
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


def _rows(
    name: str, values: dict[str, Any], tried: list[Setting], quick: bool, workdir: Path, peak: float
) -> list[dict[str, Any]]:
    """One row per setting: samples/s and GFLOP/s (median over repeats, in alternation)."""
    from search.data.loading import load_dataset
    from search.data.pipeline import training_pipeline
    from search.speed.flops import forward_flops, training_flops

    epochs, repeats = (3, 1) if quick else (6, 3)
    config = experiment(workdir)
    data = load_dataset(config.dataset)
    size = data.spec.split_sizes["train"]
    rates: dict[Setting, list[float]] = {s: [] for s in tried}
    forward = forward_flops(fixed_model(data.spec, values)) or 0.0
    for repeat in range(repeats):
        for setting in tried if repeat % 2 == 0 else list(reversed(tried)):
            batch, jit, precision = setting
            keras.mixed_precision.set_global_policy(precision)
            model, timer = fixed_model(data.spec, values), EpochTimer()
            model.jit_compile = jit
            train = training_pipeline(data.train, batch, 7, size)
            model.fit(train, epochs=epochs, verbose=0, callbacks=[timer])
            rates[setting].append(timer.samples_per_second(size))
    keras.mixed_precision.set_global_policy("float32")
    rows = []
    for (batch, jit, precision), found in rates.items():
        rate = statistics.median(found)
        gflops = training_flops(forward, 1) * rate / 1e9
        rows.append(
            {
                "model": name,
                "batch_size": batch,
                "jit_compile": jit,
                "precision": precision,
                "samples_per_s": round(rate, 1),
                "gflops": round(gflops, 2),
                "of_peak": round(gflops / peak, 4),
                "forward_flops": forward,
            }
        )
    return rows


def _fastest(rows: list[dict[str, Any]], model: str) -> dict[str, Any]:
    return max((r for r in rows if r["model"] == model), key=lambda r: r["samples_per_s"])
