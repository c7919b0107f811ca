"""A table's preprocessing as Keras layers inside the model, so that it takes raw rows.

Each column is one named input: numbers (and integer categories) as float32 with NaN for a
missing value, text categories as strings. Numbers are imputed with the train mean and
normalized with the train statistics; categories go through a lookup fitted on train, one-hot
(or an embedding when there are many), a missing or unseen value in the out-of-vocabulary slot.
`TableModel.predict` also takes a pandas DataFrame and a dict of raw columns (what
`mlflow.pyfunc` passes a model with a named-tensor signature), so both predict on raw rows.
"""

from __future__ import annotations

import warnings
from typing import Any

import keras
import numpy as np
from keras import layers, ops

from search.data.spec import TableColumn, TableEncoding

EMBEDDING_ABOVE = 32  # categories; more than this are embedded, not one-hot encoded
EMBEDDING_SIZE = 8


@keras.saving.register_keras_serializable(package="search")
class ImputeMissing(layers.Layer):
    """NaN becomes `value` (the train mean, or an out-of-vocabulary marker), cast to `cast`."""

    def __init__(self, value: float, cast: str = "float32", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value = float(value)
        self.cast = cast

    def call(self, x: Any) -> Any:
        filled = ops.where(ops.isnan(x), ops.full_like(x, self.value), x)
        return ops.cast(filled, self.cast)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "value": self.value, "cast": self.cast}


@keras.saving.register_keras_serializable(package="search")
class TableModel(keras.Model):
    """A functional model with one input per column whose `predict` takes tables as well."""

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None, **kwargs: Any) -> None:
        with warnings.catch_warnings():  # a column named "a/b" has the input named "a_b"
            warnings.filterwarnings("ignore", message=".*keys in the dict must match the names")
            super().__init__(inputs, outputs, name=name, **kwargs)

    def predict(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        return super().predict(self.as_inputs(x), *args, **kwargs)

    def predict_on_batch(self, x: Any) -> Any:
        return super().predict_on_batch(self.as_inputs(x))

    def train_on_batch(self, x: Any, y: Any = None, *args: Any, **kwargs: Any) -> Any:
        return super().train_on_batch(self.as_inputs(x), y, *args, **kwargs)

    def as_inputs(self, x: Any) -> Any:
        """{column: (rows, 1) tensor} from a DataFrame or a dict of columns (what `pyfunc`
        passes: missing text may come as None or NaN); datasets pass as they are."""
        import pandas as pd
        import tensorflow as tf

        names = list(self.input) if isinstance(self.input, dict) else []
        if isinstance(x, pd.DataFrame):
            x = {name: x[name].to_numpy() for name in names}
        if not isinstance(x, dict):
            return x
        wanted = {name: self.input[name].dtype for name in names}
        return {name: tf.constant(_column(np.asarray(x[name]), wanted[name])) for name in names}


def _column(values: np.ndarray, dtype: str) -> np.ndarray:
    """A column as its input wants it: strings with "" for missing, or float32 with NaN."""
    values = values.reshape(-1, 1)
    if dtype == "string":
        text = [
            ("" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
            for v in values[:, 0]
        ]
        return np.array(text, dtype=object).reshape(-1, 1).astype(str)
    import pandas as pd

    numbers = pd.to_numeric(pd.Series(values[:, 0]), errors="coerce")
    return numbers.to_numpy(dtype="float32").reshape(-1, 1)


def table_inputs(encoding: TableEncoding) -> tuple[dict[str, Any], Any]:
    """The model's named inputs and the preprocessed features (rows, width) built on them."""
    inputs = {
        c.name: keras.Input(
            shape=(1,), dtype="string" if c.is_string else "float32", name=c.name.replace("/", "_")
        )
        for c in encoding.columns
    }
    encoded = [encode_column(inputs[c.name], c) for c in encoding.columns]
    features = encoded[0] if len(encoded) == 1 else layers.Concatenate(name="columns")(encoded)
    return inputs, features


def encode_column(x: Any, column: TableColumn) -> Any:
    """One column's raw values to features, with statistics of the train split."""
    key = _layer_key(column.name)
    if column.kind == "numeric":
        x = ImputeMissing(column.fill, name=f"impute_{key}")(x)
        return layers.Normalization(
            mean=column.mean, variance=column.variance, name=f"normalize_{key}"
        )(x)
    many = len(column.vocabulary) > EMBEDDING_ABOVE
    mode = "int" if many else "one_hot"
    if column.integer:
        vocabulary = [int(v) for v in column.vocabulary]
        unknown = min([*vocabulary, 0]) - 1  # a missing value: below every value, never one
        x = ImputeMissing(unknown, cast="int64", name=f"impute_{key}")(x)
        x = layers.IntegerLookup(
            vocabulary=vocabulary, oov_token=unknown, output_mode=mode, name=f"lookup_{key}"
        )(x)
    else:
        x = layers.StringLookup(
            vocabulary=list(column.vocabulary), output_mode=mode, name=f"lookup_{key}"
        )(x)
    if not many:
        return x
    size = len(column.vocabulary) + 1
    x = layers.Embedding(size, EMBEDDING_SIZE, name=f"embed_{key}")(x)
    return layers.Flatten(name=f"flatten_{key}")(x)


def _layer_key(name: str) -> str:
    """A column name as part of a layer name (letters, digits and underscores only)."""
    return "".join(ch if ch.isalnum() else "_" for ch in name)
