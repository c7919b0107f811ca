from __future__ import annotations

import keras
import numpy as np
import pytest

from spaces import blocks


def _image(channels: int = 16) -> keras.KerasTensor:
    return keras.Input(shape=(8, 8, channels))


@pytest.mark.parametrize("norm", ["batch", "layer", "group", "none"])
def test_conv_block_keeps_size_and_pools(norm: str) -> None:
    x = blocks.conv_block(_image(), filters=32, kernel_size=3, norm=norm, groups=4, pool=True)
    assert tuple(x.shape) == (None, 4, 4, 32)
    y = blocks.conv_block(_image(), filters=32, kernel_size=5, norm=norm, groups=4, pool=False)
    assert tuple(y.shape) == (None, 8, 8, 32)


def test_group_normalization_needs_groups_that_divide_channels() -> None:
    with pytest.raises(
        ValueError, match="groups must divide the channels, but got groups=3 channels=16"
    ):
        blocks.normalization(_image(16), "group", groups=3)


@pytest.mark.parametrize(
    ("head", "size"), [("flatten", 8 * 8 * 16), ("global_average", 16), ("global_max", 16)]
)
def test_reshaping_heads_make_vectors(head: str, size: int) -> None:
    assert tuple(blocks.reshaping_head(_image(), head).shape) == (None, size)


def test_dense_block_applies_l2_and_initializer() -> None:
    inputs = keras.Input(shape=(10,))
    outputs = blocks.dense_block(
        inputs, 7, "relu", dropout_rate=0.5, l2=0.01, initializer="glorot_uniform"
    )
    model = keras.Model(inputs, outputs)
    dense = next(layer for layer in model.layers if isinstance(layer, keras.layers.Dense))
    assert isinstance(dense.kernel_initializer, keras.initializers.GlorotUniform)
    assert dense.kernel_regularizer.l2 == pytest.approx(0.01)
    assert any(isinstance(layer, keras.layers.Dropout) for layer in model.layers)
    model(np.ones((2, 10)))
    assert len(model.losses) == 1  # the L2 penalty


def test_zero_rates_add_no_layers() -> None:
    x = _image()
    assert blocks.spatial_dropout(x, 0.0) is x
    assert blocks.dropout(x, 0.0) is x
    assert blocks.gaussian_noise(x, 0.0) is x
