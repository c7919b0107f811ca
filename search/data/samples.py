"""A few test inputs that become a logged model's signature, and their file on disk.

Images and text are arrays; a table is a pandas DataFrame of raw rows (one column per
input), so the model's signature names the columns and `pyfunc` predicts from a DataFrame.
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
    import pandas as pd

    columns = {}
    for name, values in features.items():
        flat = values.numpy()[:rows].reshape(-1)
        if flat.dtype == object:
            columns[name] = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in flat]
        else:
            columns[name] = flat.astype("float64")
    return pd.DataFrame(columns)


def save_sample(path: str | Path, sample: Any) -> None:
    """An array as .npy; a DataFrame pickled inside one (read back by `load_sample`)."""
    if isinstance(sample, np.ndarray):
        np.save(path, sample)
        return
    holder = np.empty((), dtype=object)
    holder[()] = sample
    np.save(path, holder, allow_pickle=True)
