"""What a model costs to ship: parameters, FLOPs, file size, latency, measured in the process
that built (and trained) it.

- Parameters: every weight, trainable or not (what the saved file and memory hold).
- FLOPs: machine-independent, one example's forward pass: TensorFlow's registered count of
  each op of the frozen inference graph (the counts `tf.compat.v1.profiler` sums; a
  multiply-add is 2 FLOPs: Dense is 2*inputs*units, Conv2D 2*kh*kw*cin*cout per output
  position, plus bias adds, normalization and pooling). Ops with no registered count (ReLU)
  count 0; a graph with shapes it cannot know (text models' string lookups) gets no count.
- File size: the model saved as `.keras`, in bytes.
- Latency: after warm-up, the median of 20 `predict_on_batch` calls (fewer, 5 at least, for
  a model whose calls use up `TIMING_SECONDS`: the latency of a residual net of the CIFAR
  experiment took 1.3 s a trial, a tenth of a 1-epoch trial), for one example and for a batch
  of 32, on this process's CPU and threads (named in `machine()`).
"""

from __future__ import annotations

import logging
import math
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import keras

from search.speed.flops import forward_flops
from search.tracking.schema import FLOPS, LATENCY_MS, LATENCY_MS_BATCH32, MODEL_BYTES, PARAMS

log = logging.getLogger(__name__)

REPEATS, MIN_REPEATS, WARM_UP, BATCH = 20, 5, 3, 32
TIMING_SECONDS = 0.25  # timed calls stop past this, once MIN_REPEATS were made


def parameter_count(model: keras.Model) -> int:
    return int(sum(math.prod(w.shape) for w in model.weights))


def built_measures(model: keras.Model) -> dict[str, float]:
    """What is known as soon as the model is built: `params` and `flops`."""
    found = {PARAMS: float(parameter_count(model))}
    flops = forward_flops(model)
    if flops is not None:
        found[FLOPS] = flops
    return found


def saved_bytes(model: keras.Model) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.stat().st_size


def median_ms(model: keras.Model, batch: Any) -> float:
    """Median wall time of `REPEATS` predictions of `batch` (or of those made within
    `TIMING_SECONDS`, `MIN_REPEATS` at least), after `WARM_UP` untimed ones (the first traces
    the predict function)."""
    for _ in range(WARM_UP):
        model.predict_on_batch(batch)
    times: list[float] = []
    while len(times) < REPEATS and (len(times) < MIN_REPEATS or sum(times) < TIMING_SECONDS):
        started = time.perf_counter()
        model.predict_on_batch(batch)
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def trained_measures(model: keras.Model, sample: Any) -> dict[str, float]:
    """`model_bytes`, `latency_ms` (one example) and `latency_ms_batch32` of a trained model;
    `sample` is a batch of real inputs (repeated up to 32 when smaller; a dict of them for a
    model with named inputs)."""
    batch = _batch_of(sample, BATCH)
    return {
        MODEL_BYTES: float(saved_bytes(model)),
        LATENCY_MS: median_ms(model, keras.tree.map_structure(lambda v: v[:1], batch)),
        LATENCY_MS_BATCH32: median_ms(model, batch),
    }


def machine() -> dict[str, str]:
    """The CPU model and the threads TensorFlow runs an op on (0 in its setting: every CPU
    this process may use)."""
    import tensorflow as tf

    threads = tf.config.threading.get_intra_op_parallelism_threads() or len(os.sched_getaffinity(0))
    return {"cpu": cpu_name(), "threads": str(threads)}


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _batch_of(sample: Any, size: int) -> Any:
    """`size` examples: `sample`'s (an array, or a dict of arrays for named inputs) repeated."""
    import numpy as np

    def repeated(values: Any) -> Any:
        values = np.asarray(values)
        return np.concatenate([values] * -(-size // max(len(values), 1)))[:size]

    return keras.tree.map_structure(repeated, sample)
