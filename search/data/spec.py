"""What a space needs to know about a dataset, independent of TFDS."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from search.experiment import AugmentConfig

Modality = Literal["image", "text"]


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
    vocabulary: tuple[str, ...] = ()
    # How images enter the model (see search.data.preprocessing): scaling and augmentation.
    scaling: str = "unit"
    augment: AugmentConfig | None = None

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
        return fields
