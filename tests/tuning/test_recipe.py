"""The training recipe: each optimizer, schedule and smoothing compiles and trains a step,
searched entries become hyperparameters, augmentation layers leave inference unchanged, and
a model carrying them reloads."""

from __future__ import annotations

from dataclasses import replace

import keras
import keras_tuner as kt
import numpy as np
import pytest
import tensorflow as tf
from pydantic import ValidationError

import spaces  # noqa: F401  (registers the custom layers and losses for reloading)
from search.data.spec import DataSpec
from search.errors import ConfigError
from search.experiment import HyperparameterOverride, TrainingConfig
from search.recipe_config import AugmentConfig, RecipeConfig
from search.tuning import recipe as recipes
from search.tuning.hypermodel import SpaceHyperModel
from spaces import SPACES
from spaces.layers import Cutout

DIGITS = DataSpec(
    "sklearn_digits",
    "1.0.0",
    "image",
    (8, 8, 1),
    10,
    tuple("0123456789"),
    split_sizes={"train": 8},
)
IMAGES = np.random.default_rng(0).integers(0, 256, size=(8, 8, 8, 1)).astype("float32")
LABELS = np.arange(8) % 10
SMALL = {"conv_blocks": 1, "conv_1/filters": 16, "dense_units": 32, "normalization": "none"}


def _hypermodel(spec: DataSpec = DIGITS, **recipe: object) -> SpaceHyperModel:
    training = TrainingConfig(epochs=3, batch_size=8, recipe=RecipeConfig.model_validate(recipe))
    return SpaceHyperModel(SPACES.get("image-cnn"), spec, training=training)


def _build(hypermodel: SpaceHyperModel, values: dict) -> tuple[keras.Model, kt.HyperParameters]:
    keras.backend.clear_session()
    hp = kt.HyperParameters()
    hp.values.update({**SMALL, **values})
    return hypermodel.build(hp), hp


@pytest.mark.parametrize(
    ("optimizer", "schedule"),
    [("adam", "constant"), ("adamw", "cosine"), ("sgd", "one_cycle")],
)
def test_every_optimizer_and_schedule_trains_a_step(optimizer: str, schedule: str) -> None:
    hypermodel = _hypermodel(
        optimizer=[optimizer], lr_schedule=[schedule], weight_decay=0.001, label_smoothing=0.1
    )
    model, hp = _build(hypermodel, {})
    assert hp.values["optimizer"] == optimizer and hp.values["lr_schedule"] == schedule
    kind = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD"}[optimizer]
    assert type(model.optimizer).__name__ == kind
    model.run_eagerly = True  # tiny models: one eager step beats tracing a graph
    logs = model.train_on_batch(IMAGES, LABELS, return_dict=True)
    assert np.isfinite(logs["loss"])


def test_fixed_defaults_declare_nothing_new_and_compile_as_before() -> None:
    model, hp = _build(_hypermodel(), {})
    assert not {"optimizer", "weight_decay", "lr_schedule", "batch_size"} & set(hp.values)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert model.loss == "sparse_categorical_crossentropy"


def test_schedules_warm_up_then_decay_over_the_training_steps() -> None:
    # 8 steps an epoch, 3 epochs: 24 steps.
    cosine = recipes.learning_rate_schedule("cosine", 0.1, 8, 3)
    assert float(cosine(0)) == pytest.approx(0.0)
    assert float(cosine(2)) == pytest.approx(0.1 * 2 / 2, rel=1e-5)  # warmup: 24 // 10 steps
    assert float(cosine(24)) == pytest.approx(0.0, abs=1e-7)
    one_cycle = recipes.learning_rate_schedule("one_cycle", 0.1, 8, 3)
    assert float(one_cycle(0)) == pytest.approx(0.1 / 25)
    assert float(one_cycle(7)) == pytest.approx(0.1)  # 30% of 24 steps
    assert recipes.learning_rate_schedule("constant", 0.1, 8, 3) == 0.1


def test_label_smoothing_on_integer_labels_matches_keras_on_one_hot() -> None:
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], "float32")
    labels = np.array([0, 1])
    smoothed = keras.losses.CategoricalCrossentropy(label_smoothing=0.1)
    expected = smoothed(np.eye(3)[labels], probabilities)
    got = recipes.make_loss("sparse_categorical_crossentropy", recipes.Recipe(label_smoothing=0.1))
    assert float(got(labels, probabilities)) == pytest.approx(float(expected), rel=1e-6)


def test_label_smoothing_is_refused_for_another_loss() -> None:
    with pytest.raises(ConfigError, match="label_smoothing is for classification"):
        recipes.make_loss("mean_squared_error", recipes.Recipe(label_smoothing=0.1))


def test_bad_recipe_values_name_the_rule() -> None:
    with pytest.raises(ValidationError, match="optimizer must be one of"):
        RecipeConfig.model_validate({"optimizer": ["adam", "rmsprop"]})
    with pytest.raises(ValidationError, match=r"label_smoothing must be in \[0, 1\)"):
        RecipeConfig.model_validate({"label_smoothing": 1.5})
    with pytest.raises(ValidationError, match="pad_crop must be whole pixels"):
        AugmentConfig.model_validate({"pad_crop": [0, 2.5]})


def test_searched_batch_size_rebatches_the_training_pipeline() -> None:
    hypermodel = _hypermodel(batch_size=[4, 16])
    model, hp = _build(hypermodel, {"batch_size": 4})
    seen: list[int] = []

    class Sizes(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    model.run_eagerly = True
    train = tf.data.Dataset.from_tensor_slices((IMAGES, LABELS)).batch(8)
    hypermodel.fit(hp, model, x=train, epochs=1, verbose=0, callbacks=[Sizes()])
    assert len(seen) == 2  # 8 examples in batches of 4


def test_pad_crop_and_cutout_change_training_inputs_only_and_reload(tmp_path) -> None:
    spec = replace(DIGITS, augment=AugmentConfig(pad_crop=[2], cutout=[4]))
    model, hp = _build(_hypermodel(spec), {})
    assert hp.values["pad_crop"] == 2 and hp.values["cutout"] == 4
    names = [layer.name for layer in model.layers]
    assert names.index("pad") < names.index("pad_random_crop") < names.index("cutout")
    before = model.predict(IMAGES, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    np.testing.assert_allclose(again.predict(IMAGES, verbose=0), before, rtol=1e-5, atol=1e-6)
    names = ("pad", "pad_random_crop", "pad_center_crop")
    augment = keras.Sequential([model.get_layer(n) for n in names])
    np.testing.assert_array_equal(augment(IMAGES, training=False), IMAGES)


def test_cutout_blanks_one_square_per_image_in_training() -> None:
    images = np.full((3, 8, 8, 1), 200.0, "float32")
    out = np.asarray(Cutout(4, seed=1)(images, training=True))
    blanked = (out == 0).sum(axis=(1, 2, 3))
    assert all(0 < n <= 16 for n in blanked)
    np.testing.assert_array_equal(Cutout(4)(images, training=False), images)


def test_a_best_config_fixes_a_searched_recipe_entry_under_space_hyperparameters() -> None:
    # best.yaml keeps `training.recipe` and fixes each trial value under space.hyperparameters
    training = TrainingConfig(recipe=RecipeConfig.model_validate({"optimizer": ["adam", "sgd"]}))
    overrides = {"optimizer": HyperparameterOverride(fixed="sgd")}
    hypermodel = SpaceHyperModel(SPACES.get("image-cnn"), DIGITS, overrides, training=training)
    model, hp = _build(hypermodel, {})
    assert isinstance(model.optimizer, keras.optimizers.SGD) and hp.values["optimizer"] == "sgd"


def test_a_hyperband_rounds_schedule_spans_the_epochs_it_trains_and_ends_annealed() -> None:
    hypermodel = _hypermodel(lr_schedule=["one_cycle"])  # 1 step an epoch, training.epochs 3

    def schedule_steps(values: dict) -> int:
        schedule = _build(hypermodel, values)[0].optimizer._learning_rate
        return int(schedule.decay_steps + schedule.warmup_steps)

    assert schedule_steps({}) == 3, "a trial without rounds: training.epochs"
    assert schedule_steps({"tuner/epochs": 3, "tuner/initial_epoch": 1}) == 2
    assert schedule_steps({"tuner/epochs": 9, "tuner/initial_epoch": 3}) == 6, (
        "a last round continuing from epoch 3 anneals over its own 6 epochs, not 9"
    )
