"""keras-tuner's private names live in one module, checked against the installed version.

When keras-tuner is upgraded these fail first: review `search/tuning/keras_tuner_internals.py`
against the new version (each use says why it is needed), then raise CHECKED_AGAINST.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import keras_tuner as kt

from search.tuning import keras_tuner_internals as internals

SEARCH = Path(__file__).resolve().parents[2] / "search"
INTERNALS = SEARCH / "tuning" / "keras_tuner_internals.py"


def test_the_installed_keras_tuner_is_the_version_the_internals_were_checked_against() -> None:
    assert kt.__version__ == internals.CHECKED_AGAINST, (
        f"keras-tuner {kt.__version__} is installed; search/tuning/keras_tuner_internals.py "
        f"was checked against {internals.CHECKED_AGAINST}"
    )


def test_every_private_name_the_internals_use_still_exists() -> None:
    from keras_tuner.src.engine import conditions
    from keras_tuner.src.engine.tuner_utils import SaveBestEpoch

    oracle = kt.Oracle(objective="val_loss", max_trials=1)
    owners = {
        "Oracle": oracle,
        "Tuner": kt.Tuner,
        "SaveBestEpoch": SaveBestEpoch,
        "HyperParameters": kt.HyperParameters(),
        "BayesianOptimizationOracle": kt.oracles.BayesianOptimizationOracle(max_trials=1),
    }
    for owner, names in internals.PRIVATE_ATTRIBUTES.items():
        for name in names:
            assert hasattr(owners[owner], name), f"keras-tuner's {owner} has no {name} any more"
    assert isinstance(internals.retry_queue(oracle), list)
    assert "print(" in inspect.getsource(conditions.Parent.to_proto), "the debug print is gone"
    internals.create_trial_request("worker-1")  # the gRPC protos still load


def keras_tuner_private_names() -> set[str]:
    """Every `_private` attribute of the keras-tuner classes a search meets."""
    from keras_tuner.src.distribute.oracle_client import OracleClient
    from keras_tuner.src.engine.tuner_utils import SaveBestEpoch

    oracles = [
        kt.Oracle(objective="val_loss", max_trials=1),
        kt.oracles.RandomSearchOracle,
        kt.oracles.BayesianOptimizationOracle,
        kt.oracles.HyperbandOracle,
        kt.oracles.GridSearchOracle,
    ]
    owners = [*oracles, kt.Tuner, kt.HyperModel, kt.HyperParameters(), kt.engine.trial.Trial]
    names: set[str] = set()
    for owner in [*owners, SaveBestEpoch, OracleClient]:
        attributes = set(dir(owner)) | set(getattr(owner, "__dict__", {}))
        names |= {n for n in attributes if n.startswith("_") and not n.startswith("__")}
    return names


def test_nothing_else_in_search_uses_a_private_keras_tuner_name() -> None:
    private = keras_tuner_private_names()
    assert {"_retry_queue", "_try_build", "_get_name"} <= private
    found = []
    for path in sorted(SEARCH.rglob("*.py")):
        if path == INTERNALS:
            continue
        text = path.read_text()
        if "keras_tuner.src" in text:
            found.append(f"{path.relative_to(SEARCH)}: imports keras_tuner.src")
        for node in ast.walk(ast.parse(text)):
            name = getattr(node, "attr", None) or getattr(node, "name", None)
            if isinstance(node, ast.Attribute | ast.FunctionDef) and name in private:
                found.append(f"{path.relative_to(SEARCH)}:{node.lineno}: {name}")
    assert not found, "private keras-tuner names outside keras_tuner_internals: " + ", ".join(found)
