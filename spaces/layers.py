"""Custom layers, written as in the layer-pattern guide's template and registered.

Registration (package "spaces") lets an exported model reload with plain
`keras.saving.load_model(path)` and no `custom_objects`, once this module is imported
(`import spaces` does it).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="spaces")
class PositionalEmbedding(keras.layers.Layer):
    """Adds a learned vector per position to a (batch, steps, width) sequence.

    Self-attention sees a set, not a sequence; these weights tell it where each token is.
    The padding mask of the input passes through unchanged.
    """

    def __init__(self, max_length: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length
        self.supports_masking = True

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        self.positions = self.add_weight(
            name="positions",
            shape=(self.max_length, input_shape[-1]),
            initializer=keras.initializers.RandomNormal(stddev=0.02),
            trainable=True,
        )

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        steps = ops.shape(inputs)[1]
        return inputs + ops.cast(self.positions[:steps], inputs.dtype)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"max_length": self.max_length})
        return config
