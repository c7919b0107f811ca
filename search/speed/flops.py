"""FLOPs of one example's forward pass, machine-independent: TensorFlow's registered count of
each op of the frozen inference graph (what `tf.compat.v1.profiler` sums). A multiply-add is
2 FLOPs: Dense is 2*inputs*units (+ units for the bias), Conv2D 2*kh*kw*cin*cout per output
position. Training is counted as 3x the forward pass (forward + two backward matmuls).

One count for the search's compute (`search.speed.compute`) and each trial's `flops`
(`search.tuning.measure`).
"""

from __future__ import annotations

import logging
import weakref

import keras

log = logging.getLogger(__name__)

# A model's count, made once: a trial's measures and the search's compute tally both ask, and
# freezing the graph took 0.2-0.5 s a model (a tenth of a 1-epoch CIFAR trial on 2 cores).
_COUNTED: weakref.WeakKeyDictionary[keras.Model, float | None] = weakref.WeakKeyDictionary()

TRAINING_FACTOR = 3  # forward + backward (gradients of inputs and of weights)


def forward_flops(model: keras.Model) -> float | None:
    """FLOPs of one example's forward pass: TensorFlow's registered count of each op of the
    frozen inference graph, summed (what `tf.compat.v1.profiler` sums). None when the count
    would be incomplete: an op with a registered count but shapes the graph does not know
    (text models, whose string lookups lose them), or a graph that cannot be frozen."""
    if model not in _COUNTED:
        _COUNTED[model] = _count(model)
    return _COUNTED[model]


def _count(model: keras.Model) -> float | None:
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
        structure = model.inputs if isinstance(model, keras.Sequential) else model.input
        if isinstance(structure, list) and len(structure) == 1:
            structure = structure[0]
        specs = keras.tree.map_structure(
            lambda t: tf.TensorSpec([1, *t.shape[1:]], t.dtype), structure
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


def training_flops(forward: float, samples: int) -> float:
    """FLOPs of training on `samples` examples with a model of `forward` FLOPs an example."""
    return forward * TRAINING_FACTOR * samples
