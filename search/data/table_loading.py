"""A table file as the three splits every search trains on, with columns fitted on train.

Test comes from `test_path` or is carved from the file, validation is carved from train, both
seeded and stratified by class (a regression's rows: at random). Only the train split's rows
decide the column statistics (means, variances, fill values, vocabularies) that the model's
preprocessing layers use.
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
from search.data.features import label_stats
from search.data.folders import resolve_path
from search.data.loaded import LoadedData
from search.data.spec import DataSpec, TableColumn, TableEncoding
from search.errors import DataFileError
from search.experiment import DatasetConfig

log = logging.getLogger(__name__)


def load_table(config: DatasetConfig, task: str | None = None) -> LoadedData:
    """Reads, checks and splits the table; fits its columns on the train split. The label is
    a class or a number as `task` says (None: as the column says, tables.label_kind)."""
    assert config.path is not None and config.label is not None  # the config requires them
    path, label = resolve_path(config.path), config.label
    frame = tables.read_table(path)
    tables.check_label(frame, label, path)
    kinds = tables.column_kinds(frame, label, config.columns, config.categorical_max_distinct, path)
    kind = tables.label_kind(frame[label], task, config.categorical_max_distinct)
    if kind == "number":
        tables.numeric_labels(frame[label], path)  # text refused, naming its row in the file
    frame = _labelled(frame, label, path)
    if kind == "class":
        tables.check_classes(frame[label], path)
    train, test, source = _train_and_test(frame, config, kinds, kind)
    test_file = resolve_path(config.test_path) if config.test_path else path
    classes = class_names(train[label]) if kind == "class" else ()
    train_targets, test_targets = _targets(train[label], test[label], classes, path, test_file)
    strata = train_targets if kind == "class" else np.zeros(len(train), dtype=np.int64)
    mask = splits.validation_mask(strata, config.validation_fraction, config.split_seed)
    targets = {
        "train": train_targets[~mask],
        "validation": train_targets[mask],
        "test": test_targets,
    }
    parts = {"train": train[~mask], "validation": train[mask], "test": test}
    encoding = TableEncoding(fit_columns(parts["train"], kinds), label)
    mean, std = label_stats(targets["train"]) if kind == "number" else (0.0, 1.0)
    spec = DataSpec(
        name=path.name.split(".")[0],
        version=_digest(path, config.test_path),
        modality="table",
        input_shape=(len(encoding.columns),),
        num_classes=len(classes),
        class_names=classes,
        split_sizes={role: len(part) for role, part in parts.items()},
        table=encoding,
        label_kind=kind,
        label_mean=mean,
        label_std=std,
    )
    datasets = {role: to_dataset(part, encoding, targets[role]) for role, part in parts.items()}
    return LoadedData(spec=spec, validation_source=source, **datasets)


def _targets(
    train: pd.Series, test: pd.Series, classes: tuple[str, ...], path: Path, test_file: Path
) -> tuple[np.ndarray, np.ndarray]:
    """The one place a label becomes a target: its class id, or (no classes: a regression)
    its value."""
    if classes:
        return class_ids(train, classes, path), class_ids(test, classes, test_file)
    return tables.numeric_labels(train, path), tables.numeric_labels(test, test_file)


def _labelled(frame: pd.DataFrame, label: str, path: Path) -> pd.DataFrame:
    """The rows with a label; how many had none is logged (they teach nothing)."""
    kept = tables.labelled(frame, label)
    if len(kept) < len(frame):
        log.info("%s: %d rows without a '%s' left out", path.name, len(frame) - len(kept), label)
    return kept


def _train_and_test(
    frame: pd.DataFrame, config: DatasetConfig, kinds: dict[str, str], kind: str
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(train rows, test rows, how validation and test were made, for the log). Classes are
    carved stratified, numbers at random."""
    seed = config.split_seed
    how = "stratified" if kind == "class" else "random"
    carved = f"carved {config.validation_fraction:.0%} of train, {how}, seed {seed}"
    if config.test_path:
        test_path = resolve_path(config.test_path)
        test = tables.read_table(test_path)
        tables.check_same_columns(frame, test, test_path)
        for column, column_kind in kinds.items():
            if column_kind == tables.NUMERIC:
                tables.check_numeric(test[column], test_path)
        return frame, tables.labelled(test, config.label or ""), carved
    labels = frame[config.label]
    strata = (
        class_ids(labels, class_names(labels), Path(""))
        if kind == "class"
        else np.zeros(len(frame), dtype=np.int64)
    )
    mask = splits.validation_mask(strata, config.test_fraction, config.split_seed)
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
    """Unbatched ({column: value}, class id or number) examples, cached in memory (tables
    are small)."""
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
