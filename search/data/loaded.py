"""What opening a dataset gives: three splits of (features, label) examples and their spec."""

from __future__ import annotations

from dataclasses import dataclass

import tensorflow as tf

from search.data.spec import DataSpec


@dataclass
class LoadedData:
    """The three splits as unbatched (features, label) datasets, and their spec."""

    spec: DataSpec
    train: tf.data.Dataset
    validation: tf.data.Dataset
    test: tf.data.Dataset
    validation_source: str = ""

    def describe(self) -> str:
        """One line for the log: name, split sizes, where validation came from, input shape."""
        sizes = self.spec.split_sizes
        return (
            f"dataset {self.spec.name} {self.spec.version}: train {sizes['train']}, "
            f"validation {sizes['validation']} ({self.validation_source}), test {sizes['test']}; "
            f"{self.spec.modality} {'x'.join(map(str, self.spec.input_shape))}"
        )
