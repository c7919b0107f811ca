"""FLOPs of one example's forward pass, machine-independent: TensorFlow's registered count of
each op of the frozen inference graph (what `tf.compat.v1.profiler` sums). A multiply-add is
2 FLOPs: Dense is 2*inputs*units (+ units for the bias), Conv2D 2*kh*kw*cin*cout per output
position. Training is counted as 3x the forward pass (forward + two backward matmuls).

The same approach as `search.tuning.measure.forward_flops` on branch `tradeoffs`; when both
are merged, keep one.
"""

from __future__ import annotations

import logging

import keras

log = logging.getLogger(__name__)

TRAINING_FACTOR = 3  # forward + backward (gradients of inputs and of weights)


def forward_flops(model: keras.Model) -> float | None:
    """FLOPs of one example through `model`; None when the graph's shapes are unknown (text
    models' string lookups) or it cannot be frozen: never an undercount."""
    import tensorflow as tf
    from tensorflow.python.framework import ops
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )
    from tensorflow.python.profiler.internal import flops_registry  # registers the counts

    del flops_registry
    level = tf.get_logger().level
    tf.get_logger().setLevel("ERROR")
    try:
        specs = [tf.TensorSpec([1, *t.shape[1:]], t.dtype) for t in model.inputs]
        function = tf.function(lambda *x: model(list(x) if len(x) > 1 else x[0], training=False))
        graph = convert_variables_to_constants_v2(function.get_concrete_function(*specs)).graph
        total = 0
        for op in graph.get_operations():
            total += ops.get_stats_for_node_def(graph, op.node_def, "flops").value or 0
        return float(total)
    except ValueError as error:
        log.debug("FLOPs not counted: %s", error)
        return None
    except Exception as error:  # a count we cannot make is left out, never fatal
        log.warning("could not count the model's FLOPs: %s", str(error).splitlines()[0][:200])
        return None
    finally:
        tf.get_logger().setLevel(level)


def training_flops(forward: float, samples: int) -> float:
    """FLOPs of training on `samples` examples with a model of `forward` FLOPs an example."""
    return forward * TRAINING_FACTOR * samples
