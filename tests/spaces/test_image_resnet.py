"""image-resnet: stages halve the image, residual blocks are Add + normalization, and the
CIFAR experiment builds it at its largest within a small budget of weights."""

from __future__ import annotations

import keras
import keras_tuner as kt

from search.data.spec import DataSpec
from search.experiment import load_experiment
from search.tuning.hypermodel import SpaceHyperModel
from spaces import SPACES
from spaces.image_resnet import stage

DIGITS = DataSpec("sklearn_digits", "1.0.0", "image", (8, 8, 1), 10, tuple("0123456789"))
CIFAR = DataSpec("cifar10", "1.0.0", "image", (32, 32, 3), 10, tuple("0123456789"))


def _build(spec: DataSpec, values: dict, overrides: dict | None = None) -> keras.Model:
    keras.backend.clear_session()
    hp = kt.HyperParameters()
    hp.values.update(values)
    return SpaceHyperModel(SPACES.get("image-resnet"), spec, overrides).build(hp)


def test_a_stage_halves_the_image_and_adds_its_residual_blocks() -> None:
    inputs = keras.Input((8, 8, 16))
    x = stage(inputs, 32, depth=2, norm="batch", groups=1, activation="gelu", pooling="average")
    model = keras.Model(inputs, x)
    assert tuple(x.shape) == (None, 4, 4, 32)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Add") == 2 and kinds.count("AveragePooling2D") == 1
    after_add = [kinds[i + 1] for i, kind in enumerate(kinds) if kind == "Add"]
    assert after_add == ["BatchNormalization", "BatchNormalization"]


def test_stages_stop_pooling_at_one_pixel_on_small_images() -> None:
    values = {"stages": 3, "width": 16, "blocks_per_stage": 1, "head": "flatten"}
    model = _build(DIGITS, values)
    flatten = next(layer for layer in model.layers if isinstance(layer, keras.layers.Flatten))
    assert flatten.output.shape[-1] == 64  # 8 -> 4 -> 2 -> 1 pixel, 16 x 4 filters


def test_the_cifar_experiment_builds_its_residual_model_small() -> None:
    experiment = load_experiment("image-cnn-cifar10")
    assert experiment.space.name == "image-resnet"
    model = _build(CIFAR, {}, experiment.space.hyperparameters)
    assert any(isinstance(layer, keras.layers.Add) for layer in model.layers), "residual"
    assert model.count_params() < 600_000
