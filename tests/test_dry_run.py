"""`search run --dry-run`: every check of a search, then the plan; nothing trained or written."""

from __future__ import annotations

import yaml

from search.cli import main
from tests.conftest import files_under
from tests.data.conftest import write_digit_images


def _write(tmp_path, **sections) -> str:
    data = {
        "output_dir": str(tmp_path / "runs"),
        "space": {"name": "image-cnn"},
        "tuner": {"kind": "random", "max_trials": 2, "max_seconds": 90},
        "training": {"epochs": 3},
        **sections,
    }
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_a_dry_run_checks_then_prints_the_plan_and_writes_nothing(
    runner, tmp_path, monkeypatch, tfds_dir
) -> None:
    monkeypatch.chdir(tmp_path)
    text = _write(
        tmp_path,
        dataset={"name": "sklearn_digits", "data_dir": str(tfds_dir)},
        space={"name": "image-cnn", "hyperparameters": {"dropout": [0.1, 0.2]}},
    )
    path = tmp_path / "exp.yaml"  # edited by hand, as a user would: 1e-3 is a float
    raw = path.read_text().replace(
        "hyperparameters:\n", "hyperparameters:\n    learning_rate: 1e-3\n"
    )
    path.write_text(raw)
    before = files_under(tmp_path)
    result = runner.invoke(main, ["run", text, "--dry-run"])
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    assert out[0] == "dry run: every check passed; nothing was trained or written"
    assert "trials:      2, 3 epochs each, batch size 32, 1 execution(s) per trial" in out
    assert (
        "budget:      90 s for the whole command: 80 s for data and trials, 10 s for the test "
        "evaluation, the model and the report" in out
    )
    assert (
        "refit:       none: the best trial's own model is tested and registered (tuner.refit)"
        in out
    )
    assert "stopping:    none: every trial trains all its epochs (tuner.early_stopping)" in out
    assert out[2].startswith("data:        dataset sklearn_digits 1.0.0: train 1257")
    assert out[2].endswith("image 8x8x1")
    db = tmp_path / "mlflow.db"
    assert f"tracking:    sqlite:///{db} (a new store, created by the search)" in out
    assert f"search dir:  a new search in {tmp_path / 'runs' / 'exp'}" in out
    assert "  dropout: one of 0.1, 0.2 (set)" in out
    assert "  learning_rate: fixed 0.001 (set)" in out
    assert files_under(tmp_path) == before  # no mlflow.db, no search directory


def test_a_dry_run_finds_a_broken_file(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = write_digit_images(tmp_path / "digits")
    (root / "train" / "2" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n cut short")
    path = _write(tmp_path, dataset={"kind": "image_folder", "path": str(root)})
    before = files_under(tmp_path)
    result = runner.invoke(main, ["run", path, "--dry-run"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: 1 of 73 files in {root} cannot be read as images: train/2/broken.png "
        "(not a readable JPEG or PNG image); remove or replace them, or set "
        "dataset.skip_unreadable: true to train without them"
    ]
    assert result.stdout == "" and files_under(tmp_path) == before


def test_a_dry_run_reaches_the_tracking_store(runner, tmp_path, monkeypatch, tfds_dir) -> None:
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, dataset={"name": "sklearn_digits", "data_dir": str(tfds_dir)})
    result = runner.invoke(main, ["run", path, "--dry-run", "--tracking-uri", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("error: cannot reach the MLflow tracking store at http://127.0.0.1:9: ")
    )
    (tmp_path / "notes").write_text("a file where a folder is needed")
    uri = f"sqlite:///{tmp_path / 'notes' / 'mlflow.db'}"
    result = runner.invoke(main, ["run", path, "--dry-run", "--tracking-uri", uri])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: tracking store {uri} cannot be created: {tmp_path / 'notes'} is not a "
        "writable folder"
    )


def test_the_dry_run_plan_states_the_constraints_only_when_set() -> None:
    from search.experiment import validate_experiment
    from search.plan import Plan

    def plan(**limits) -> list[str]:
        data = {"name": "e", "space": {"name": "image-cnn"}, "tuner": {"constraints": limits}}
        return Plan(validate_experiment(data, "test"), "uri", "sqlite", "digits", "dir").lines()

    assert "constraints: max_params=7500, max_latency_ms=2 (tuner.constraints)" in plan(
        max_params=7500, max_latency_ms=2.0
    )
    assert not [line for line in plan() if line.startswith("constraints:")]
