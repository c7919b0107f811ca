"""What a model costs to ship: parameters, FLOPs, file size, latency, measured in the process
that built (and trained) it.

- Parameters: every weight, trainable or not (what the saved file and memory hold).
- FLOPs: machine-independent, one example's forward pass: TensorFlow's registered count of
  each op of the frozen inference graph (the counts `tf.compat.v1.profiler` sums; a
  multiply-add is 2 FLOPs: Dense is 2*inputs*units, Conv2D 2*kh*kw*cin*cout per output
  position, plus bias adds, normalization and pooling). Ops with no registered count (ReLU)
  count 0; a graph with shapes it cannot know (text models' string lookups) gets no count.
- File size: the model saved as `.keras`, in bytes.
- Latency: after warm-up, the median of 20 `predict_on_batch` calls, for one example and for
  a batch of 32, on this process's CPU and threads (named in `machine()`).
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

from search.tracking.schema import FLOPS, LATENCY_MS, LATENCY_MS_BATCH32, MODEL_BYTES, PARAMS

log = logging.getLogger(__name__)

REPEATS, WARM_UP, BATCH = 20, 3, 32


def parameter_count(model: keras.Model) -> int:
    return int(sum(math.prod(w.shape) for w in model.weights))


def forward_flops(model: keras.Model) -> float | None:
    """FLOPs of one example's forward pass: TensorFlow's registered count of each op of the
    frozen inference graph, summed (what `tf.compat.v1.profiler` sums). None when the count
    would be incomplete: an op with a registered count but shapes the graph does not know
    (text models, whose string lookups lose them), or a graph that cannot be frozen."""
    import tensorflow as tf
    from tensorflow.python.framework import ops
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )
    from tensorflow.python.profiler.internal import flops_registry  # registers the counts

    del flops_registry
    level = tf.get_logger().level
    tf.get_logger().setLevel("ERROR")  # the registry warns of its v1 helpers on first use
    try:
        # One example of each input, in the model's own structure (a dict for named inputs).
        specs = keras.tree.map_structure(
            lambda t: tf.TensorSpec([1, *t.shape[1:]], t.dtype), model.input
        )
        function = tf.function(lambda x: model(x, training=False))
        graph = convert_variables_to_constants_v2(function.get_concrete_function(specs)).graph
        total = 0
        for op in graph.get_operations():
            total += ops.get_stats_for_node_def(graph, op.node_def, "flops").value or 0
        return float(total)
    except ValueError as error:  # an op of unknown shape
        log.debug("FLOPs not counted: %s", error)
        return None
    except Exception as error:  # a count we cannot make is left out, never fatal
        log.warning("could not count the model's FLOPs: %s", str(error).splitlines()[0][:200])
        return None
    finally:
        tf.get_logger().setLevel(level)


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
    """Median wall time of `REPEATS` predictions of `batch`, after `WARM_UP` untimed ones (the
    first traces the predict function)."""
    for _ in range(WARM_UP):
        model.predict_on_batch(batch)
    times = []
    for _ in range(REPEATS):
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
