"""A table file as the three splits every search trains on, with columns fitted on train.

Test comes from `test_path` or is carved from the file, validation is carved from train, both
stratified by class and seeded. Only the train split's rows decide the column statistics
(means, variances, fill values, vocabularies) that the model's preprocessing layers use.
Features stay raw in the tf.data splits (missing numbers are NaN, missing text is ""): the
model imputes them itself, so a registered model takes raw rows.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow as tf

from search.data import splits, tables
from search.data.folders import resolve_path
from search.data.loaded import LoadedData
from search.data.spec import DataSpec, TableColumn, TableEncoding
from search.errors import DataFileError
from search.experiment import DatasetConfig

log = logging.getLogger(__name__)


def load_table(config: DatasetConfig) -> LoadedData:
    """Reads, checks and splits the table; fits its columns on the train split."""
    assert config.path is not None and config.label is not None  # the config requires them
    path, label = resolve_path(config.path), config.label
    frame = tables.read_table(path)
    tables.check_label(frame, label, path)
    kinds = tables.column_kinds(frame, label, config.columns, config.categorical_max_distinct, path)
    frame = tables.labelled(frame, label)
    tables.check_classes(frame[label], path)
    train, test, source = _train_and_test(frame, config, kinds)
    classes = class_names(train[label])
    test_file = resolve_path(config.test_path) if config.test_path else path
    # Class ids per split: the one place a label becomes a target (regression: its value).
    ids = class_ids(train[label], classes, path)
    mask = splits.validation_mask(ids, config.validation_fraction, config.split_seed)
    targets = {
        "train": ids[~mask],
        "validation": ids[mask],
        "test": class_ids(test[label], classes, test_file),
    }
    parts = {"train": train[~mask], "validation": train[mask], "test": test}
    encoding = TableEncoding(fit_columns(parts["train"], kinds), label)
    spec = DataSpec(
        name=path.name.split(".")[0],
        version=_digest(path, config.test_path),
        modality="table",
        input_shape=(len(encoding.columns),),
        num_classes=len(classes),
        class_names=classes,
        split_sizes={role: len(part) for role, part in parts.items()},
        table=encoding,
    )
    datasets = {role: to_dataset(part, encoding, targets[role]) for role, part in parts.items()}
    return LoadedData(spec=spec, validation_source=source, **datasets)


def _train_and_test(
    frame: pd.DataFrame, config: DatasetConfig, kinds: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(train rows, test rows, how validation and test were made, for the log)."""
    seed = config.split_seed
    carved = f"carved {config.validation_fraction:.0%} of train, stratified, seed {seed}"
    if config.test_path:
        test_path = resolve_path(config.test_path)
        test = tables.read_table(test_path)
        tables.check_same_columns(frame, test, test_path)
        for column, kind in kinds.items():
            if kind == tables.NUMERIC:
                tables.check_numeric(test[column], test_path)
        return frame, tables.labelled(test, config.label or ""), carved
    labels = class_ids(frame[config.label], class_names(frame[config.label]), Path(""))
    mask = splits.validation_mask(labels, config.test_fraction, config.split_seed)
    how = f"{carved}; test: {config.test_fraction:.0%} of the file"
    return frame[~mask].reset_index(drop=True), frame[mask].reset_index(drop=True), how


def class_names(labels: pd.Series) -> tuple[str, ...]:
    """The classes seen in train, in sorted order (numbers numerically), as strings."""
    return tuple(str(value) for value in sorted(labels.unique()))


def class_ids(labels: pd.Series, classes: tuple[str, ...], path: Path) -> np.ndarray:
    """Each label's index among `classes`; a test label train never saw is refused."""
    index = {name: i for i, name in enumerate(classes)}
    names = labels.astype(str)
    unseen = sorted(set(names) - set(index))
    if unseen:
        raise DataFileError(
            f"{path}: label '{unseen[0]}' of column '{labels.name}' is not among the train "
            f"split's classes ({', '.join(classes)})"
        )
    return names.map(index).to_numpy(dtype=np.int64)


def fit_columns(train: pd.DataFrame, kinds: dict[str, str]) -> tuple[TableColumn, ...]:
    """Statistics of the train split only: what the model's preprocessing layers start from."""
    columns = []
    for name, kind in kinds.items():
        values = train[name]
        if kind == tables.NUMERIC:
            numbers = pd.to_numeric(values, errors="coerce").dropna()
            mean = float(numbers.mean()) if len(numbers) else 0.0
            variance = float(numbers.var(ddof=0)) if len(numbers) > 1 else 1.0
            columns.append(TableColumn(name, "numeric", mean=mean, variance=variance, fill=mean))
            continue
        present = values.dropna()
        integer = tables.is_integral(present) and not pd.api.types.is_bool_dtype(values)
        found = (
            sorted(present.astype("int64").unique())
            if integer
            else sorted(present.astype(str).unique())
        )
        columns.append(
            TableColumn(name, "categorical", integer=integer, vocabulary=tuple(map(str, found)))
        )
    return tuple(columns)


def raw_inputs(frame: pd.DataFrame, encoding: TableEncoding) -> dict[str, np.ndarray]:
    """Each column as the model takes it, shape (rows, 1): float32 numbers (NaN when missing)
    or strings ("" when missing)."""
    inputs = {}
    for column in encoding.columns:
        values = frame[column.name]
        if column.is_string:
            text = values.where(values.notna(), "").astype(str)
            inputs[column.name] = text.to_numpy(dtype=object).reshape(-1, 1)
        else:
            numbers = pd.to_numeric(values, errors="coerce").astype("float32")
            inputs[column.name] = numbers.to_numpy().reshape(-1, 1)
    return inputs


def to_dataset(frame: pd.DataFrame, encoding: TableEncoding, labels: np.ndarray) -> tf.data.Dataset:
    """Unbatched ({column: value}, class id) examples, cached in memory (tables are small)."""
    features = {
        name: tf.constant(values.astype(str) if values.dtype == object else values)
        for name, values in raw_inputs(frame, encoding).items()
    }
    return tf.data.Dataset.from_tensor_slices((features, labels)).cache()


def _digest(path: Path, test_path: str | None) -> str:
    """The files' content, so that a changed table is a new dataset version."""
    digest = hashlib.sha256(path.read_bytes())
    if test_path:
        digest.update(resolve_path(test_path).read_bytes())
    return digest.hexdigest()[:12]
