"""Regression: the task adds a linear head in the label's units, its loss and metrics; every
space that ends in features takes numeric targets."""

from __future__ import annotations

import keras_tuner as kt
import numpy as np
import pytest

from search.data.spec import DataSpec, TextEncoding
from search.errors import ConfigError
from search.experiment import Experiment
from search.tuning.hypermodel import SpaceHyperModel
from spaces import SPACES

IMAGES = DataSpec(
    "digit_sums", "1.0", "image", (8, 8, 1), 0, (), label_kind="number", label_mean=40.0,
    label_std=5.0,
)  # fmt: skip
VECTORS = DataSpec(
    "diabetes", "1.0", "vector", (10,), 0, (), label_kind="number", label_mean=150.0,
    label_std=80.0,
)  # fmt: skip

RATINGS = DataSpec(
    "review_stars", "1.0", "text", (), 0, (), label_kind="number", label_mean=3.0, label_std=1.0,
    text=TextEncoding(("good", "bad", "book"), split="whitespace", sequence_length=4),
)  # fmt: skip
TEXTS = np.array(["good book", "bad", "bad book", "good good"], dtype=object)


def _inputs(spec: DataSpec) -> np.ndarray:
    if spec.modality == "text":
        return TEXTS
    return np.random.default_rng(0).uniform(0, 1, size=(4, *spec.input_shape)).astype("float32")


@pytest.mark.parametrize(
    ("name", "spec"),
    [("image-cnn", IMAGES), ("image-mlp", IMAGES), ("vector-mlp", VECTORS), ("text-rnn", RATINGS)],
)
def test_spaces_take_regression_targets_and_predict_in_the_label_units(name, spec) -> None:
    model = SpaceHyperModel(SPACES.get(name), spec, task="regression").build(kt.HyperParameters())
    output = model.get_layer("prediction")
    assert output.dtype_policy.name == "float32" and tuple(model.output.shape) == (None, 1)
    assert model.loss == "mse"
    inputs = _inputs(spec)
    labels = np.array([1.0, 2.0, 3.0, 4.0], "float32") * spec.label_std + spec.label_mean
    logs = model.train_on_batch(inputs, labels, return_dict=True)
    assert set(logs) == {"loss", "mae", "rmse", "r2"}
    # A net that outputs 0 on the standardized scale predicts the train split's mean.
    standardized = model.get_layer("standardized_prediction")
    standardized.set_weights([np.zeros_like(w) for w in standardized.get_weights()])
    np.testing.assert_allclose(model.predict_on_batch(inputs), spec.label_mean, rtol=1e-6)


def test_the_loss_is_mse_mae_or_huber() -> None:
    space = SPACES.get("vector-mlp")
    huber = SpaceHyperModel(space, VECTORS, task="regression", loss="huber")
    assert huber.build(kt.HyperParameters()).loss == "huber"
    with pytest.raises(ConfigError, match="training.loss 'hinge' is not a regression loss; "):
        SpaceHyperModel(space, VECTORS, task="regression", loss="hinge")


@pytest.mark.parametrize(
    ("objective", "direction"),
    [(None, "min"), ("val_mae", "min"), ("val_rmse", "min"), ("val_r2", "max")],
)
def test_a_regression_minimizes_val_loss_unless_told_otherwise(objective, direction) -> None:
    tuner = {"objective": objective} if objective else {}
    experiment = Experiment.model_validate(
        {"name": "x", "task": "regression", "space": {"name": "vector-mlp"}, "tuner": tuner}
    )
    assert experiment.tuner.objective.name == (objective or "val_loss")
    assert experiment.tuner.objective.direction == direction


def test_a_classification_task_refuses_numeric_labels() -> None:
    from search.tuning.task import TASKS

    with pytest.raises(ConfigError) as raised:
        TASKS.get("classification").check_labels(VECTORS, "diabetes")
    assert str(raised.value) == (
        "dataset 'diabetes' has numbers as labels, but the task is classification: "
        "set `task: regression` (and an objective it reports)"
    )


def test_a_classification_may_optimise_every_metric_a_table_reports() -> None:
    """val_auc, val_f1, ... are objectives a classifier compiles on demand
    (search.tuning.metrics); the task must not refuse them before training."""
    from search.tuning.metrics import NAMES
    from search.tuning.task import TASKS

    classification = TASKS.get("classification")
    assert classification.optional_metrics == NAMES
    for name in NAMES:
        classification.check_objective(f"val_{name}")
    with pytest.raises(ConfigError):
        TASKS.get("regression").check_objective("val_auc")
