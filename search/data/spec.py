"""What a space needs to know about a dataset, independent of TFDS."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from search.recipe_config import AugmentConfig

Modality = Literal["image", "text"]
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
class DataSpec:
    """Shape, classes and modality of a supervised dataset, plus identity for tracking."""

    name: str
    version: str
    modality: Modality
    input_shape: tuple[int | None, ...]
    num_classes: int
    class_names: tuple[str, ...]
    split_sizes: dict[str, int] = field(default_factory=dict)
    text: TextEncoding | None = None  # set for text data once the vocabulary is known
    # How images enter the model (see search.data.preprocessing): scaling and augmentation.
    scaling: str = "unit"
    augment: AugmentConfig | None = None
    skipped_files: int = 0  # unreadable files left out (dataset.skip_unreadable)

    def identity(self) -> dict[str, str]:
        """Flat fields that identify the data a search ran on (logged with every search)."""
        fields = {
            "data.name": self.name,
            "data.version": self.version,
            "data.modality": self.modality,
            "data.input_shape": "x".join(str(d) for d in self.input_shape),
            "data.num_classes": str(self.num_classes),
        }
        fields.update({f"data.{split}_size": str(n) for split, n in self.split_sizes.items()})
        # Unreadable files left out make other data than the whole folder: a worker whose copy
        # differs is refused, and the dataset's digest changes.
        fields["data.skipped_files"] = str(self.skipped_files)
        if self.text is not None:
            fields["data.text_split"] = self.text.split
            fields["data.sequence_length"] = str(self.text.sequence_length)
            fields["data.vocabulary_size"] = str(self.text.vocabulary_size)
        return fields
