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


@keras.saving.register_keras_serializable(package="spaces")
class Cutout(keras.layers.Layer):
    """Blanks one `size` x `size` square per image at a random place, in training only.

    The square's centre is uniform over the image, so near the border less of it lands
    (DeVries & Taylor 2017). Filled with `fill` (raw pixel 0: before rescaling).
    """

    def __init__(self, size: int, fill: float = 0.0, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.size = size
        self.fill = fill
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if not training or self.size <= 0:
            return inputs
        shape = ops.shape(inputs)
        batch, height, width = shape[0], shape[1], shape[2]
        centre_y = keras.random.randint((batch, 1, 1), 0, height, seed=self.seed_generator)
        centre_x = keras.random.randint((batch, 1, 1), 0, width, seed=self.seed_generator)
        rows = ops.reshape(ops.arange(height), (1, -1, 1))
        cols = ops.reshape(ops.arange(width), (1, 1, -1))
        half = self.size // 2
        inside_y = (rows >= centre_y - half) & (rows < centre_y - half + self.size)
        inside_x = (cols >= centre_x - half) & (cols < centre_x - half + self.size)
        square = ops.expand_dims(inside_y & inside_x, -1)
        return ops.where(square, ops.cast(self.fill, inputs.dtype), inputs)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"size": self.size, "fill": self.fill, "seed": self.seed})
        return config
