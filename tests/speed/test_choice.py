"""The per-machine speed choice: read back from the cache, refreshed, and used as defaults."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from search.experiment import validate_experiment
from search.speed import choice, machine


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEARCH_SPEED_CACHE_DIR", str(tmp_path))
    return tmp_path


def measured(**changes: object) -> choice.SpeedChoice:
    return dataclasses.replace(choice.rule(), source="measured by search bench", **changes)


def test_without_a_measurement_the_rule_applies(cache: Path) -> None:
    found = choice.current()
    assert found == choice.rule()
    assert (found.batch_size, found.jit_compile, found.precision) == (32, False, "float32")
    assert found.intra_op_threads == machine.cpu_count()


def test_a_saved_choice_is_read_back_and_a_new_measurement_replaces_it(cache: Path) -> None:
    path = choice.save(measured(batch_size=64))
    assert path.parent == cache and path.name == f"{machine.machine_key()}.json"
    assert choice.current() == measured(batch_size=64)
    choice.save(measured(batch_size=128, jit_compile=True))
    assert choice.current() == measured(batch_size=128, jit_compile=True)


def test_an_unreadable_cache_falls_back_to_the_rule(cache: Path) -> None:
    choice.cache_file().write_text("{not json")
    assert choice.current() == choice.rule()


def test_bf16_is_never_taken_on_a_cpu_without_bf16_units(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    choice.save(measured(precision="mixed_bfloat16"))
    monkeypatch.setattr(choice, "has_bf16_units", lambda: False)
    assert choice.current().precision == "float32"


def test_the_machine_key_names_cpu_flags_and_tensorflow() -> None:
    assert len(machine.machine_key()) == 16
    assert machine.tensorflow_version() != "unknown"
    assert machine.cpu_model() in machine.describe()


def test_an_experiment_without_a_batch_size_takes_the_measured_one(cache: Path) -> None:
    config = {"name": "x", "dataset": {"name": "mnist"}, "space": {"name": "image-cnn"}}
    assert validate_experiment(config, source="test").training.batch_size == 32
    choice.save(measured(batch_size=128))
    assert validate_experiment(config, source="test").training.batch_size == 128
    config["training"] = {"batch_size": 16}
    assert validate_experiment(config, source="test").training.batch_size == 16
