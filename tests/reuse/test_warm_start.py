"""Warm start on keras-tuner's real oracles: the first trial is the given configuration."""

from __future__ import annotations

import pytest

from search.data.spec import DataSpec
from search.errors import ConfigError
from search.experiment import HyperparameterOverride, TrainingConfig, TunerConfig
from search.tuning.warm_start import WarmStart, check_warm_start

DIGITS = DataSpec(
    name="digits",
    version="1.0.0",
    modality="image",
    input_shape=(8, 8, 1),
    num_classes=10,
    class_names=tuple(str(i) for i in range(10)),
)
# Every hyperparameter of image-cnn, none at its default.
WARM = {
    "conv_blocks": 2,
    "conv_1/filters": 32,
    "conv_2/filters": 64,
    "kernel_size": 5,
    "normalization": "group",
    "groups": 4,
    "spatial_dropout": 0.1,
    "head": "global_max",
    "dense_units": 96,
    "dense_activation": "gelu",
    "dropout": 0.3,
    "l2": 1e-4,
    "initializer": "glorot_uniform",
    "learning_rate": 0.002,
}


def _hypermodel(**overrides):
    from search.tuning.hypermodel import SpaceHyperModel
    from spaces import SPACES

    fixed = {k: HyperparameterOverride(fixed=v) for k, v in overrides.items()}
    return SpaceHyperModel(SPACES.get("image-cnn"), DIGITS, fixed)


@pytest.mark.parametrize("kind", ["random", "bayesian", "grid", "hyperband"])
def test_first_trial_is_the_warm_start_then_the_tuner_goes_on(kind, tmp_path) -> None:
    from search.tuning.tuners import build_tuner

    tuner = build_tuner(
        TunerConfig(kind=kind, max_trials=5),
        TrainingConfig(epochs=4),
        _hypermodel(),
        tmp_path / "tuner",
        listeners=[],
        resume=False,
        warm_start=WarmStart(WARM, "test"),
    )
    first = tuner.oracle.create_trial("tuner0").hyperparameters.values
    second = tuner.oracle.create_trial("tuner1").hyperparameters.values
    assert {k: v for k, v in first.items() if not k.startswith("tuner/")} == WARM
    assert {k: v for k, v in second.items() if not k.startswith("tuner/")} != WARM
    if kind == "hyperband":  # the bracket's budget is kept
        assert first["tuner/epochs"] >= 1 and first["tuner/round"] == 0


def test_a_resumed_search_is_not_warm_started_again(tmp_path) -> None:
    from search.tuning.tuners import build_tuner

    def tuner(resume: bool):
        return build_tuner(
            TunerConfig(kind="random", max_trials=5),
            TrainingConfig(epochs=1),
            _hypermodel(),
            tmp_path / "tuner",
            listeners=[],
            resume=resume,
            warm_start=WarmStart(WARM, "test"),
        )

    tuner(resume=False).oracle.save()
    reloaded = tuner(resume=True)
    assert reloaded.oracle.create_trial("tuner0").hyperparameters.values != WARM


def test_the_warm_start_values_pass_the_check() -> None:
    check_warm_start(_hypermodel(), WARM)


@pytest.mark.parametrize(
    ("values", "overrides", "message"),
    [
        (
            {"rnn_units": 64},
            {},
            "warm start: 'rnn_units' is not a hyperparameter of space 'image-cnn' "
            "(a configuration from another space?)",
        ),
        (
            {"kernel_size": 7},
            {},
            "warm start: kernel_size=7 is outside the experiment's space (one of 3, 5)",
        ),
        (
            {"dropout": 0.9},
            {},
            "warm start: dropout=0.9 is outside the experiment's space (0.0..0.5)",
        ),
        (
            {"dense_units": 64},
            {"dense_units": 128},
            "warm start: dense_units=64 is outside the experiment's space (fixed to 128)",
        ),
    ],
    ids=["another space", "not a choice", "out of range", "fixed by the experiment"],
)
def test_values_outside_the_experiments_space_are_refused(values, overrides, message) -> None:
    with pytest.raises(ConfigError) as raised:
        check_warm_start(_hypermodel(**overrides), values)
    assert str(raised.value) == message
