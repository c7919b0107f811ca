"""A few test inputs that become a logged model's signature, and their file on disk.

Images and text are arrays; a table is a dict of raw columns, each (rows, 1), so the model's
signature names one tensor per column and `mlflow.pyfunc` predicts from a DataFrame (MLflow
turns its columns into those named tensors; the keras flavor takes tensor signatures only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from search.data.text import model_sample

SAMPLE_ROWS = 8


def signature_sample(batches: tf.data.Dataset, rows: int = SAMPLE_ROWS) -> Any:
    """The first `rows` inputs of a batched (features, label) dataset, as a user passes them."""
    features = next(iter(batches.take(1)))[0]
    if not isinstance(features, dict):
        return model_sample(features.numpy()[:rows])
    columns = {}
    for name, values in features.items():
        column = values.numpy()[:rows]
        if column.dtype == object:
            column = model_sample(column.reshape(-1)).reshape(-1, 1)
        columns[name] = column
    return columns


def save_sample(path: str | Path, sample: Any) -> None:
    """An array as .npy; a table's dict of columns pickled inside one (read back by
    `search.tracking.models.log_model_file`)."""
    if isinstance(sample, np.ndarray):
        np.save(path, sample)
        return
    holder = np.empty((), dtype=object)
    holder[()] = sample
    np.save(path, holder, allow_pickle=True)
