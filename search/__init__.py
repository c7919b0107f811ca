"""search: Keras Tuner hyperparameter searches with every trial tracked in MLflow."""

import os

# TensorFlow's C++ start-up chatter (oneDNN, CPU features) is noise for users of a CLI.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
