"""The machine's peak: GFLOP/s of a square float matmul, the best case any model can reach
(training figures are read against it).

The best of many short (512: about 2 ms) matmuls: on a machine shared with other processes
the shortest run is the one nobody interrupted, where one long matmul always is (measured
here under load: 512 gave 116 GFLOP/s, 1024 gave 29, 2048 gave 21)."""

from __future__ import annotations

import time


def peak_gflops(dtype: str = "float32", size: int = 512, seconds: float = 1.0) -> float:
    """Best GFLOP/s of `size` x `size` matmuls in `dtype` over about `seconds` (after one
    warm-up); 2*n^3 FLOPs each."""
    import tensorflow as tf

    a = tf.random.uniform((size, size), dtype=tf.float32)
    a = tf.cast(a, dtype)
    matmul = tf.function(lambda x: tf.matmul(x, x))
    matmul(a).numpy()  # trace and warm up
    best, deadline = float("inf"), time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        matmul(a).numpy()
        best = min(best, time.perf_counter() - started)
    return 2 * size**3 / best / 1e9
