"""Reading a table (CSV or Parquet, with pandas) and deciding what each column is.

Everything here refuses bad files with one line a user can act on (a `DataFileError`, exit 2)
before anything trains: an empty file, a missing label column, a single class, text in a
column declared numeric, a test file whose columns differ from train.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from search.errors import DataFileError
from search.tuning.task import LabelKind

NUMERIC, CATEGORICAL = "numeric", "categorical"


def read_table(path: Path) -> pd.DataFrame:
    """The file's rows; a CSV's column types inferred by pandas, a Parquet file's as stored."""
    if not path.is_file():
        raise DataFileError(f"table file not found: {path}")
    try:
        csv = path.suffix.lower() == ".csv"
        frame = pd.read_csv(path) if csv else pd.read_parquet(path)
    except pd.errors.EmptyDataError:
        raise DataFileError(f"{path}: the file is empty (no header, no rows)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataFileError(f"{path}: cannot be read as a table: {first}") from None
    if frame.empty:
        raise DataFileError(f"{path}: the table has no rows")
    return frame


def check_label(frame: pd.DataFrame, label: str, path: Path) -> None:
    """Refuses a table without the label column, suggesting the closest name."""
    if label not in frame.columns:
        close = difflib.get_close_matches(label, [str(c) for c in frame.columns], n=1)
        hint = f" Did you mean: {close[0]}?" if close else ""
        raise DataFileError(
            f"{path}: no label column '{label}'; the columns are: "
            f"{', '.join(map(str, frame.columns))}.{hint}"
        )


def labelled(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    """The rows that have a label (a row without one teaches nothing)."""
    return frame[frame[label].notna()].reset_index(drop=True)


def check_classes(labels: pd.Series, path: Path) -> None:
    """A classifier needs at least two classes among the labelled rows."""
    classes = labels.unique()
    if len(classes) < 2:
        found = f"only '{classes[0]}'" if len(classes) else "no labelled row"
        raise DataFileError(
            f"{path}: label column '{labels.name}' has one class ({found}); "
            "a classifier needs at least two"
        )


def check_same_columns(train: pd.DataFrame, test: pd.DataFrame, test_path: Path) -> None:
    """Train and test files must have the same columns (in any order)."""
    missing = [str(c) for c in train.columns if c not in test.columns]
    extra = [str(c) for c in test.columns if c not in train.columns]
    if missing or extra:
        parts = [f"missing {', '.join(missing)}"] * bool(missing)
        parts += [f"extra {', '.join(extra)}"] * bool(extra)
        raise DataFileError(f"{test_path}: the test columns differ from train ({'; '.join(parts)})")


def column_kinds(
    frame: pd.DataFrame, label: str, declared: Mapping[str, str], max_distinct: int, path: Path
) -> dict[str, str]:
    """Each input column's kind: as declared, else numeric unless it holds text, booleans or
    integers with at most `max_distinct` values (then categorical)."""
    unknown = sorted(set(declared) - {str(c) for c in frame.columns} - {label})
    if unknown:
        raise DataFileError(
            f"dataset.columns names '{unknown[0]}', which {path} does not have; its columns "
            f"are: {', '.join(str(c) for c in frame.columns if c != label)}"
        )
    kinds = {}
    for column in frame.columns:
        if column == label:
            continue
        values = frame[column]
        kind = declared.get(str(column)) or _inferred_kind(values, max_distinct)
        if kind == NUMERIC:
            check_numeric(values, path)
        kinds[str(column)] = kind
    return kinds


def _inferred_kind(values: pd.Series, max_distinct: int) -> str:
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return CATEGORICAL
    present = values.dropna()
    return CATEGORICAL if is_integral(present) and present.nunique() <= max_distinct else NUMERIC


def is_integral(values: pd.Series) -> bool:
    """Whether numbers are whole (pandas reads an integer column with gaps as floats)."""
    return bool(pd.api.types.is_numeric_dtype(values) and (values % 1 == 0).all())


def check_numeric(values: pd.Series, path: Path) -> None:
    """Refuses text in a numeric column, naming the first value and its row."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return
    parsed = pd.to_numeric(values, errors="coerce")
    bad = values[parsed.isna() & values.notna()]
    if len(bad) or pd.api.types.is_bool_dtype(values):
        row = int(bad.index[0]) if len(bad) else 0
        value = bad.iloc[0] if len(bad) else values.iloc[0]
        raise DataFileError(
            f"{path}: column '{values.name}' is numeric but holds text: {value!r} "
            f"(data row {row + 1}); fix the value, or declare "
            f"the column categorical (dataset.columns)"
        )


def label_kind(labels: pd.Series, task: str | None, max_distinct: int) -> LabelKind:
    """What the label column holds for `task` (None: to be inferred from it): numbers when
    the task is regression, or when the column holds fractions or more than `max_distinct`
    whole numbers; else classes. Whole numbers stay classes when classification is asked for;
    fractions then stay numbers, for the task to refuse with a hint."""
    if task == "regression":
        return "number"
    present = labels.dropna()
    if not pd.api.types.is_numeric_dtype(present) or pd.api.types.is_bool_dtype(present):
        return "class"
    if not is_integral(present):
        return "number"
    many = present.nunique() > max_distinct
    return "number" if many and task is None else "class"


def numeric_labels(labels: pd.Series, path: Path) -> np.ndarray:
    """A regression label column as float32, refusing text with its first value and row."""
    parsed = pd.to_numeric(labels, errors="coerce")
    bad = labels[parsed.isna() & labels.notna()]
    if len(bad) or pd.api.types.is_bool_dtype(labels):
        value = bad.iloc[0] if len(bad) else labels.iloc[0]
        row = int(bad.index[0]) if len(bad) else 0
        raise DataFileError(
            f"{path}: label column '{labels.name}' of a regression holds text: {value!r} "
            f"(data row {row + 1}); a regression predicts numbers"
        )
    return parsed.to_numpy(dtype=np.float32)
