"""Parallel trials on keras-tuner's own chief/worker engine (no scheduler of our own).

The chief serves keras-tuner's oracle over gRPC (`oracle_server`); workers run keras-tuner's
search loop against it (`worker`); on one machine `supervisor` starts the workers, pins each
to its share of the CPUs (or one GPU), and restarts one that dies.
"""

import os

# gRPC core logs an INFO line each time the chief forks a worker while its threads serve.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
