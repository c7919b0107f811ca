"""MLflow sits behind `search/tracking/`: nothing else imports it, and every name it writes is
defined once, in `schema.py`, so a reader and a writer cannot drift apart."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from search.tracking import schema
from tests.conftest import REPO

PACKAGE = REPO / "search" / "tracking"


def _sources() -> list[Path]:
    files = sorted((REPO / "search").rglob("*.py")) + sorted((REPO / "spaces").rglob("*.py"))
    return [path for path in files if PACKAGE not in path.parents]


def _mlflow_uses(tree: ast.AST) -> list[str]:
    """Imports of mlflow and `mlflow.<name>` in code (text in strings is not a use)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "mlflow"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "mlflow":
            found.append(f"from {node.module}")
        elif isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "mlflow":
            found.append(f"mlflow.{node.attr}")
    return found


def test_no_module_outside_the_tracking_package_touches_mlflow() -> None:
    offenders = {}
    for path in _sources():
        text = path.read_text()
        uses = _mlflow_uses(ast.parse(text))
        if "MlflowClient" in text:
            uses.append("MlflowClient")
        if uses:
            offenders[str(path.relative_to(REPO))] = uses
    assert offenders == {}


def _strings(tree: ast.AST) -> list[str]:
    """Every string constant but docstrings (f-string parts included)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


NAMES = [
    schema.PARENT_TAG,
    schema.NOTE_TAG,
    schema.KIND,
    schema.TRIAL_ID_TAG,
    schema.STATUS_TAG,
    schema.FAILURE_TAG,
    schema.ATTEMPT_TAG,
    schema.ORACLE_PORT_TAG,
    schema.MODEL_VERSION_TAG,
    schema.DIR_TAG,
    schema.CHAMPION,
    schema.RETRAINED,
    schema.EXPERIMENT_YAML,
    schema.BEST_HYPERPARAMETERS_YAML,
    schema.HYPERPARAMETERS_YAML,
    schema.CHAMPION_RULE_TAG,
    schema.CHAMPION_TRIAL_TAG,
    schema.PARETO_FRONT_CSV,
    schema.PARETO_FRONT_PNG,
    schema.ON_FRONT_COLUMN,
]


@pytest.mark.parametrize("name", NAMES)
def test_each_name_mlflow_sees_is_spelled_only_in_the_schema(name: str) -> None:
    # A CLI flag (`--champion`) is not the alias it moves.
    token = re.compile(rf"(?<![\w.-]){re.escape(name)}(?!\w)")
    spelled = [
        str(path.relative_to(REPO))
        for path in [*_sources(), *sorted(PACKAGE.glob("*.py"))]
        if path.name != "schema.py"
        and any(token.search(s) for s in _strings(ast.parse(path.read_text())))
    ]
    assert spelled == []
