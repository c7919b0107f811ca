"""Bad references that need no search: one line on stderr, exit code 2, nothing written."""

from __future__ import annotations

import pytest
import yaml

from search.cli import main
from tests.conftest import REPO, files_under

FIXED = {
    "space": {"name": "image-cnn", "hyperparameters": {"kernel_size": 3, "dense_units": 64}},
}

CASES = {
    "export a file with ranges": (
        ["export", str(REPO / "experiments" / "image-cnn.yaml"), "--to", "out.yaml"],
        f"error: {REPO / 'experiments' / 'image-cnn.yaml'}: hyperparameter 'learning_rate' is "
        "not fixed (a range or choices); use a best config (`search export`) or a run id",
    ),
    "export over an existing file": (
        ["export", "fixed.yaml", "--to", "fixed.yaml"],
        "error: fixed.yaml already exists; pass --force to overwrite it",
    ),
    "export to a file that is not YAML": (
        ["export", "fixed.yaml", "--to", "fixed.txt"],
        "error: export file must end in .yaml or .yml, got fixed.txt",
    ),
    "alias MLflow refuses": (
        ["train", "fixed.yaml", "--alias", "v2"],
        "error: alias must be letters, digits, '_' or '-', not 'latest' or v<number>, got 'v2'",
    ),
    "no store to read": (
        ["best", "image-cnn"],
        "error: no MLflow store at sqlite:///{cwd}/mlflow.db: run a search first, "
        "or pass --tracking-uri",
    ),
    "malformed model URI": (
        ["train", "models:/image-cnn"],
        "error: model URI 'models:/image-cnn' must look like models:/NAME@ALIAS or models:/NAME/N",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_reference(case, runner, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fixed.yaml").write_text(yaml.safe_dump(FIXED))
    if case == "malformed model URI":  # a store exists, so the URI itself is what is wrong
        from mlflow.tracking import MlflowClient

        MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}").search_experiments()
    before = files_under(tmp_path)
    args, expected = CASES[case]
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.stderr == expected.format(cwd=tmp_path) + "\n"
    assert files_under(tmp_path) == before
