from __future__ import annotations

import pytest

from search.errors import UnknownNameError
from search.registry import Registry


def test_refuses_empty_and_duplicate_names() -> None:
    registry: Registry[int] = Registry("thing")
    registry.add("one", 1)
    with pytest.raises(ValueError, match="must not be empty"):
        registry.add(" ", 2)
    with pytest.raises(ValueError, match="'one' is already registered"):
        registry.add("one", 3)


def test_unknown_name_lists_choices_and_suggests() -> None:
    registry: Registry[int] = Registry("tuner")
    for name in ("random", "bayesian", "hyperband"):
        registry.add(name, 0)
    with pytest.raises(UnknownNameError) as error:
        registry.get("bayesion")
    assert str(error.value) == (
        "unknown tuner 'bayesion'. Did you mean 'bayesian'? "
        "Choose between: bayesian, hyperband, random"
    )


def test_tuner_registry_holds_the_four_keras_tuner_tuners() -> None:
    from search.tuning.tuners import TUNERS, tracked_class

    assert TUNERS.names() == ["asha", "bayesian", "grid", "hyperband", "random"]
    import keras_tuner as kt

    assert issubclass(tracked_class(TUNERS.get("hyperband")), kt.Hyperband)
