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


def _tokens(steps: int = 6) -> keras.KerasTensor:
    return blocks.embedding(keras.Input(shape=(steps,), dtype="int32"), 20, 8, mask_zero=True)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_recurrent_block_stacks_and_ends_in_a_vector(cell: str, bidirectional: bool) -> None:
    x = blocks.recurrent_block(_tokens(), cell, 4, num_layers=2, bidirectional=bidirectional)
    assert tuple(x.shape) == (None, 8 if bidirectional else 4)
    sequence = blocks.recurrent_block(_tokens(), cell, 4, num_layers=1)
    assert tuple(sequence.shape) == (None, 4)


def test_unknown_recurrent_cell_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown recurrent cell 'rnn': choose lstm or gru"):
        blocks.recurrent_block(_tokens(), "rnn", 4)  # type: ignore[arg-type]


def test_embedding_masks_padding_and_attention_keeps_the_shape() -> None:
    inputs = keras.Input(shape=(6,), dtype="int32")
    x = blocks.embedding(inputs, 20, 8, mask_zero=True)
    y = blocks.self_attention_block(x, num_heads=2, key_dim=4, dropout_rate=0.1)
    y = blocks.feed_forward_block(y, 16)
    assert tuple(y.shape) == (None, 6, 8)
    model = keras.Model(inputs, blocks.reshaping_head(y, "global_average"))
    padded = np.array([[3, 4, 0, 0, 0, 0]])
    embedded = keras.Model(inputs, x)
    assert np.asarray(embedded.layers[-1].compute_mask(padded)).tolist() == [
        [True, True, False, False, False, False]
    ]
    assert model.predict(padded, verbose=0).shape == (1, 8)


@pytest.mark.parametrize(
    ("head", "size"), [("flatten", 6 * 8), ("global_average", 8), ("global_max", 8)]
)
def test_reshaping_heads_take_sequences(head: str, size: int) -> None:
    assert tuple(blocks.reshaping_head(_tokens(), head).shape) == (None, size)


def test_reshape_and_permute() -> None:
    x = blocks.reshape(keras.Input(shape=(8, 8, 1)), (8, 8))
    assert tuple(blocks.permute(x, (2, 1)).shape) == (None, 8, 8)
    y = blocks.permute(keras.Input(shape=(3, 5)), (2, 1))
    assert tuple(y.shape) == (None, 5, 3)


@pytest.mark.parametrize("norm", ["batch", "layer", "group", "none"])
def test_dense_block_normalizes_before_the_activation(norm: str) -> None:
    inputs = keras.Input(shape=(10,))
    model = keras.Model(inputs, blocks.dense_block(inputs, 8, "relu", norm=norm, groups=4))
    dense = next(layer for layer in model.layers if isinstance(layer, keras.layers.Dense))
    assert dense.use_bias == (norm == "none")
    assert (model.predict(np.random.default_rng(0).normal(size=(3, 10)), verbose=0) >= 0).all()


def test_positional_embedding_adds_learned_positions_and_keeps_the_mask() -> None:
    from spaces.layers import PositionalEmbedding

    layer = PositionalEmbedding(6, name="positions")
    x = layer(_tokens())
    assert tuple(x.shape) == (None, 6, 8) and layer.positions.shape == (6, 8)
    assert PositionalEmbedding.from_config(layer.get_config()).max_length == 6
    values = np.zeros((1, 6, 8), dtype="float32")
    out = np.asarray(layer(values))
    np.testing.assert_allclose(out[0], np.asarray(layer.positions))
    assert keras.saving.get_registered_name(PositionalEmbedding) == "spaces>PositionalEmbedding"


def test_residual_adds_the_input_and_projects_it_when_the_blocks_change_its_shape() -> None:
    image = _image(16)
    same = blocks.residual(image, lambda x: blocks.conv_block(x, 16, 3, pool=False), "batch")
    model = keras.Model(image, same)
    assert tuple(same.shape) == (None, 8, 8, 16)
    assert not any(isinstance(layer, keras.layers.MaxPooling2D) for layer in model.layers)

    inputs = _image(16)
    changed = blocks.residual(inputs, lambda x: blocks.conv_block(x, 32, 3, pool=True), "layer")
    layers = keras.Model(inputs, changed).layers
    assert tuple(changed.shape) == (None, 4, 4, 32)
    assert sum(isinstance(layer, keras.layers.MaxPooling2D) for layer in layers) == 2
    assert [layer.kernel_size for layer in layers if isinstance(layer, keras.layers.Conv2D)] == [
        (3, 3),
        (1, 1),
    ]

    vector = keras.Input(shape=(12,))
    out = blocks.residual(vector, lambda x: blocks.dense_block(x, 8), "none")
    assert tuple(out.shape) == (None, 8)
    assert any(isinstance(layer, keras.layers.Add) for layer in keras.Model(vector, out).layers)
