"""The dataset options of tables (`dataset: {kind: table, path: data.csv, label: ...}`).

A mixin of `DatasetConfig` kept apart so the experiment module stays small; every field is
ignored by the other dataset kinds, and refused there when set (`check_table_fields`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from search.config_base import Strict

ColumnKind = Literal["numeric", "categorical"]
TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


class TableFields(Strict):
    """Where a table's label is, its test file, and how its columns are read."""

    label: str | None = Field(None, description="tables: the column to predict")
    test_path: str | None = Field(
        None, description="tables: a test file with the same columns; unset: carved from path"
    )
    test_fraction: float = Field(0.2, gt=0.0, lt=1.0, description="tables without test_path")
    columns: dict[str, ColumnKind] = Field(
        default_factory=dict, description="tables: a column's kind, else inferred"
    )
    categorical_max_distinct: int = Field(
        20,
        ge=1,
        description="tables: integer columns with at most this many values are categorical",
    )

    def check_table_fields(self, kind: str, path: str | None) -> None:
        """Tables need a label and a file; the table options mean nothing elsewhere."""
        if kind == "table":
            if not self.label:
                raise ValueError("kind 'table' needs `label`: the column to predict")
            if not (path or "").lower().endswith(TABLE_SUFFIXES):
                raise ValueError(
                    f"kind 'table' reads {', '.join(TABLE_SUFFIXES)} files, got path {path!r}"
                )
            return
        given = [name for name in ("label", "test_path") if getattr(self, name) is not None]
        given += ["columns"] if self.columns else []
        if given:
            raise ValueError(f"`{given[0]}` is for kind table; set `kind: table`")
