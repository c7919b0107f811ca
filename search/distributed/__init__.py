"""Parallel trials on keras-tuner's own chief/worker engine (no scheduler of our own).

The chief serves keras-tuner's oracle over gRPC (`oracle_server`); workers run keras-tuner's
search loop against it (`worker`); on one machine `supervisor` starts the workers, pins each
to its share of the CPUs (or one GPU), and restarts one that dies.
"""

import os

# gRPC core logs an INFO line each time the chief forks a worker while its threads serve.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")


def silence_debug_print() -> None:
    """keras-tuner 1.4.8 left a debug `print` in `conditions.Parent.to_proto`, which every
    conditional hyperparameter sent over gRPC hits; shadowed in that module only."""
    from keras_tuner.src.engine import conditions

    conditions.print = lambda *args, **kwargs: None  # type: ignore[attr-defined]
