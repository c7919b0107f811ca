"""Every choice of image-cnn builds, trains a step, and reloads with the same predictions."""

from __future__ import annotations

import itertools

import keras
import keras_tuner as kt
import numpy as np
import pytest

from search.data.spec import DataSpec
from search.errors import ConfigError, SpaceMismatchError
from search.experiment import HyperparameterOverride
from search.tuning.hypermodel import SpaceHyperModel, check_overrides
from spaces import SPACES

DIGITS = DataSpec("sklearn_digits", "1.0.0", "image", (8, 8, 1), 10, tuple("0123456789"))
IMAGES = np.random.default_rng(0).integers(0, 256, size=(4, 8, 8, 1)).astype("float32")


def _build(values: dict) -> keras.Model:
    keras.backend.clear_session()
    hp = kt.HyperParameters()
    hp.values.update(values)
    return SpaceHyperModel(SPACES.get("image-cnn"), DIGITS).build(hp)


@pytest.mark.parametrize(
    ("norm", "head"),
    list(
        itertools.product(
            ["batch", "layer", "group", "none"], ["flatten", "global_average", "global_max"]
        )
    ),
)
def test_every_normalization_and_head_trains_and_reloads(norm: str, head: str, tmp_path) -> None:
    model = _build({"normalization": norm, "head": head, "conv_blocks": 2, "groups": 4})
    model.train_on_batch(IMAGES, np.arange(4))
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        reloaded.predict(IMAGES, verbose=0), model.predict(IMAGES, verbose=0), rtol=1e-5, atol=1e-6
    )
    assert model.output_shape == (None, 10)


def test_three_blocks_pool_down_to_one_pixel_without_error() -> None:
    model = _build({"conv_blocks": 3})
    assert model.output_shape == (None, 10)


def test_overrides_fix_and_narrow_hyperparameters_in_their_scopes() -> None:
    overrides = {
        "normalization": HyperparameterOverride(fixed="group"),
        "groups": HyperparameterOverride(values=[8]),
        "conv_1/filters": HyperparameterOverride(fixed=16),
        "dense_units": HyperparameterOverride(min=64, max=96, step=32),
    }
    hypermodel = SpaceHyperModel(SPACES.get("image-cnn"), DIGITS, overrides)
    hp = kt.HyperParameters()
    hypermodel.build(hp)
    assert hp.values["normalization"] == "group"
    assert hp.values["groups"] == 8
    assert hp.values["conv_1/filters"] == 16
    dense = hp._hps["dense_units"][0]
    assert (dense.min_value, dense.max_value, dense.step) == (64, 96, 32)
    # the conditional hyperparameter keeps its condition on normalization
    assert [c.name for c in hp._hps["groups"][0].conditions] == ["normalization"]


def test_check_overrides_finds_conditional_names_and_rejects_unknown_ones() -> None:
    space = SPACES.get("image-cnn")
    found = check_overrides(
        SpaceHyperModel(space, DIGITS, {"conv_3/filters": HyperparameterOverride(fixed=32)})
    )
    assert "conv_3/filters" in found
    with pytest.raises(
        ConfigError,
        match="unknown hyperparameter of space 'image-cnn' 'dense_unit'. "
        "Did you mean 'dense_units'?",
    ):
        check_overrides(
            SpaceHyperModel(space, DIGITS, {"dense_unit": HyperparameterOverride(fixed=64)})
        )


def test_unbuildable_overrides_are_a_config_error() -> None:
    overrides = {
        "normalization": HyperparameterOverride(fixed="group"),
        "groups": HyperparameterOverride(fixed=3),
    }
    with pytest.raises(ConfigError, match="groups must divide the channels"):
        check_overrides(SpaceHyperModel(SPACES.get("image-cnn"), DIGITS, overrides))


def test_image_space_refuses_text_data() -> None:
    text = DataSpec("some_text", "1.0.0", "text", (), 2, ("neg", "pos"))
    with pytest.raises(
        SpaceMismatchError,
        match="space 'image-cnn' takes image data, but dataset 'some_text' holds text data",
    ):
        SpaceHyperModel(SPACES.get("image-cnn"), text)


def test_docstring_lists_every_hyperparameter() -> None:
    space = SPACES.get("image-cnn")
    names = check_overrides(
        SpaceHyperModel(
            space,
            DIGITS,
            {
                "groups": HyperparameterOverride(fixed=2),
                "conv_3/filters": HyperparameterOverride(fixed=16),
            },
        )
    )
    for name in names - {"learning_rate"}:
        pattern = "conv_<i>/filters" if name.startswith("conv_") and "/" in name else name
        assert f"- {pattern}:" in space.description, name
