"""`training.distribution_strategy: mirrored`: every trial's model is built and trained under
a MirroredStrategy (all local GPUs; the CPU here), as keras-tuner's Tuner applies it."""

from __future__ import annotations

import keras_tuner as kt
import numpy as np
import pytest

from search.errors import ConfigError
from search.experiment import (
    HyperparameterOverride,
    TrainingConfig,
    TunerConfig,
    validate_experiment,
)
from search.tuning.hypermodel import SpaceHyperModel
from search.tuning.tuners import build_tuner
from spaces import SPACES
from tests.spaces.test_image_cnn import DIGITS


def test_a_mirrored_trial_builds_and_trains_under_the_strategy(tmp_path) -> None:
    import tensorflow as tf

    fixed = {"conv_blocks": HyperparameterOverride(fixed=1)}
    hypermodel = SpaceHyperModel(SPACES.get("image-cnn"), DIGITS, fixed)
    tuner = build_tuner(
        TunerConfig(kind="random", max_trials=1),
        TrainingConfig(epochs=1, distribution_strategy="mirrored"),
        hypermodel,
        tmp_path / "tuner",
        listeners=[],
        resume=False,
    )
    assert isinstance(tuner.distribution_strategy, tf.distribute.MirroredStrategy)
    model = tuner._try_build(kt.HyperParameters())
    assert isinstance(model.distribute_strategy, tf.distribute.MirroredStrategy)
    images = np.random.rand(16, 8, 8, 1).astype("float32")
    history = model.fit(images, np.arange(16) % 10, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_an_unknown_strategy_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match="training.distribution_strategy.*'none' or 'mirrored'"):
        validate_experiment(
            {"name": "x", "space": {"name": "image-cnn"},
             "training": {"distribution_strategy": "tpu"}},
            source="test",
        )  # fmt: skip
