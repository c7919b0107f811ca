"""What a model costs, measured: FLOPs as the hand formula gives them, parameters, file size,
latency; which constraint a measure breaks and by how much; the config that sets them."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from search.constraints_config import ConstraintsConfig
from search.errors import ConfigError
from search.experiment import load_experiment
from search.tuning.constraints import BUILT, TRAINED, breaches, describe
from search.tuning.measure import (
    built_measures,
    forward_flops,
    machine,
    parameter_count,
    trained_measures,
)


def _conv_dense() -> keras.Model:
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3)(inputs)  # valid padding: 6x6x4 out
    x = keras.layers.Flatten()(x)
    return keras.Model(inputs, keras.layers.Dense(10)(x))


def test_forward_flops_are_the_hand_formula_for_conv_and_dense() -> None:
    conv = 2 * (3 * 3 * 1) * 4 * (6 * 6)  # a multiply-add per kernel weight and output
    conv_bias = 4 * (6 * 6)
    dense = 2 * (6 * 6 * 4) * 10
    dense_bias = 10
    assert forward_flops(_conv_dense()) == conv + conv_bias + dense + dense_bias


def test_parameters_count_every_weight_and_flops_come_with_them() -> None:
    model = _conv_dense()
    inputs = keras.Input((4,))
    normalized = keras.layers.BatchNormalization()(inputs)  # 8 trainable + 8 not
    with_moving = keras.Model(inputs, normalized)
    assert parameter_count(model) == (3 * 3 * 4 + 4) + (144 * 10 + 10)
    assert parameter_count(with_moving) == 16
    assert built_measures(model) == {"params": 1490.0, "flops": forward_flops(model)}


def test_a_trained_model_is_measured_for_file_size_and_median_latency(tmp_path: Path) -> None:
    model = _conv_dense()
    sample = np.random.default_rng(0).uniform(0, 255, size=(5, 8, 8, 1)).astype("float32")
    measures = trained_measures(model, sample)  # 5 examples repeated up to a batch of 32
    model.save(tmp_path / "m.keras")
    assert measures["model_bytes"] == (tmp_path / "m.keras").stat().st_size
    assert 0 < measures["latency_ms"] < 1000 and 0 < measures["latency_ms_batch32"] < 1000
    where = machine()
    assert where["cpu"] and int(where["threads"]) >= 1


def test_a_breach_names_the_constraint_the_value_the_limit_and_how_far_over() -> None:
    limits = ConstraintsConfig(max_params=100, max_flops=1e6, max_latency_ms=2.0, max_model_mb=0.5)
    measures = {"params": 150.0, "flops": 5e5, "latency_ms": 2.5, "model_bytes": 600_000.0}
    assert [str(b) for b in breaches(limits, measures, BUILT)] == [
        "max_params: params 150 > 100 (+50.0%)"
    ]
    assert describe(breaches(limits, measures, TRAINED)) == (
        "max_latency_ms: latency_ms 2.5 > 2 (+25.0%); max_model_mb: model_bytes 0.6 > 0.5 (+20.0%)"
    )
    assert breaches(ConstraintsConfig(), measures, [*BUILT, *TRAINED]) == []
    assert breaches(limits, {}, TRAINED) == []  # a measure not taken breaks nothing


def test_constraints_load_from_yaml_and_a_typo_names_the_key(write_experiment) -> None:
    path = write_experiment(
        "name: exp\nspace: {name: image-cnn}\ntuner:\n  constraints:\n"
        "    max_params: 50000\n    max_flops: 2e6\n    max_latency_ms: 2.0\n    max_model_mb: 1\n"
    )
    limits = load_experiment(str(path)).tuner.constraints.limits()
    assert limits == {
        "max_params": 50000.0,
        "max_flops": 2e6,
        "max_latency_ms": 2.0,
        "max_model_mb": 1.0,
    }
    bad = write_experiment(
        "name: exp\nspace: {name: image-cnn}\ntuner: {constraints: {max_param: 5}}"
    )
    with pytest.raises(ConfigError, match="max_param"):
        load_experiment(str(bad))


def test_a_model_with_named_inputs_is_counted_and_timed_on_a_dict_of_columns() -> None:
    inputs = {name: keras.Input((1,), name=name) for name in ("a", "b")}
    joined = keras.layers.Concatenate()([inputs["a"], inputs["b"]])
    model = keras.Model(inputs, keras.layers.Dense(3)(joined))
    assert forward_flops(model) == 2 * 2 * 3 + 3
    sample = {"a": np.ones((4, 1), "float32"), "b": np.zeros((4, 1), "float32")}
    assert set(trained_measures(model, sample)) == {
        "model_bytes",
        "latency_ms",
        "latency_ms_batch32",
    }


class _Timed:
    """A stand-in with a model's `predict_on_batch` taking `seconds`; counts its calls."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.calls = seconds, 0

    def predict_on_batch(self, batch: object) -> None:
        import time

        self.calls += 1
        time.sleep(self.seconds)


def test_a_slow_models_latency_is_the_median_of_fewer_calls_a_fast_ones_of_all() -> None:
    from search.tuning import measure

    slow, fast = _Timed(measure.TIMING_SECONDS / 2), _Timed(0.0)
    assert measure.median_ms(slow, None) >= 1000 * measure.TIMING_SECONDS / 2
    assert slow.calls == measure.WARM_UP + measure.MIN_REPEATS
    measure.median_ms(fast, None)
    assert fast.calls == measure.WARM_UP + measure.REPEATS
