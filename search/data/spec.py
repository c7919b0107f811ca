"""What a space needs to know about a dataset, independent of TFDS."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from search.recipe_config import AugmentConfig
    from search.tuning.task import LabelKind

Modality = Literal["image", "text", "table", "vector"]  # vector: one float32 vector per example
TextSplit = Literal["whitespace", "character"]


@dataclass(frozen=True)
class TextEncoding:
    """How raw strings become token ids inside the model: fixed once, from the train split.

    `vocabulary` excludes the padding ("") and out-of-vocabulary ("[UNK]") tokens, which take
    ids 0 and 1, so an embedding needs `vocabulary_size` rows.
    """

    vocabulary: tuple[str, ...]
    split: TextSplit
    sequence_length: int
    standardize: str | None = "lower_and_strip_punctuation"

    @property
    def vocabulary_size(self) -> int:
        return len(self.vocabulary) + 2


@dataclass(frozen=True)
class TableColumn:
    """One input column of a table and what the train split taught about it.

    Numeric: `fill` replaces a missing value, then (x - mean) / sqrt(variance). Categorical:
    `vocabulary` holds the train split's values (strings, or integers written as strings when
    `integer`); a missing or unseen value takes the out-of-vocabulary slot.
    """

    name: str
    kind: Literal["numeric", "categorical"]
    integer: bool = False  # a categorical column of integers (comes in as a number)
    mean: float = 0.0
    variance: float = 1.0
    fill: float = 0.0
    vocabulary: tuple[str, ...] = ()

    @property
    def is_string(self) -> bool:
        return self.kind == "categorical" and not self.integer


@dataclass(frozen=True)
class TableEncoding:
    """A table's input columns, in the order of the file, and its label column."""

    columns: tuple[TableColumn, ...]
    label: str

    def describe_columns(self, limit: int = 1000) -> str:
        """`name:kind,...`; for a wide table, their count and digest (an MLflow param holds
        at most 6000 characters)."""
        listed = ",".join(f"{c.name}:{c.kind}" for c in self.columns)
        if len(listed) <= limit:
            return listed
        digest = hashlib.sha256(listed.encode()).hexdigest()[:12]
        return f"{len(self.columns)} columns, sha256 {digest}"


@dataclass(frozen=True)
class DataSpec:
    """Shape, labels and modality of a supervised dataset, plus identity for tracking.

    Labels are classes (`num_classes`, `class_names`) or numbers (`num_classes` 0, and the
    train split's `label_mean` and `label_std`, which a regression head scales back to).
    """

    name: str
    version: str
    modality: Modality
    input_shape: tuple[int | None, ...]
    num_classes: int
    class_names: tuple[str, ...]
    split_sizes: dict[str, int] = field(default_factory=dict)
    text: TextEncoding | None = None  # set for text data once the vocabulary is known
    table: TableEncoding | None = None  # set for tables: columns fitted on the train split
    # How images enter the model (see search.data.preprocessing): scaling and augmentation.
    scaling: str = "unit"
    augment: AugmentConfig | None = None
    skipped_files: int = 0  # unreadable files left out (dataset.skip_unreadable)
    label_kind: LabelKind = "class"
    label_mean: float = 0.0
    label_std: float = 1.0
    builder_digest: str | None = None  # sha256 of the user's own TFDS builder's source

    def identity(self) -> dict[str, str]:
        """Flat fields that identify the data a search ran on (logged with every search)."""
        fields = {
            "data.name": self.name,
            "data.version": self.version,
            "data.modality": self.modality,
            "data.input_shape": "x".join(str(d) for d in self.input_shape),
            "data.num_classes": str(self.num_classes),
            "data.label_kind": self.label_kind,
        }
        fields.update({f"data.{split}_size": str(n) for split, n in self.split_sizes.items()})
        # Unreadable files left out make other data than the whole folder: a worker whose copy
        # differs is refused, and the dataset's digest changes.
        fields["data.skipped_files"] = str(self.skipped_files)
        if self.builder_digest is not None:  # a changed builder is another dataset
            fields["data.builder_digest"] = self.builder_digest
        if self.text is not None:
            fields["data.text_split"] = self.text.split
            fields["data.sequence_length"] = str(self.text.sequence_length)
            fields["data.vocabulary_size"] = str(self.text.vocabulary_size)
        if self.table is not None:
            fields["data.label"] = self.table.label
            fields["data.columns"] = self.table.describe_columns()
        return fields
