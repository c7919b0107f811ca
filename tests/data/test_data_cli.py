"""`search data list|inspect`, and dataset errors through `search run`: one line, no files."""

from __future__ import annotations

import tensorflow as tf
import yaml

from search.cli import main
from tests.conftest import files_under
from tests.data.conftest import write_digit_images, write_text_files


def test_list_shows_offline_builders_and_the_experiments_datasets(runner) -> None:
    result = runner.invoke(main, ["data", "list"])
    assert result.exit_code == 0, result.output
    assert "  sklearn_digits: Handwritten digits 0-9" in result.stdout
    assert "  image-cnn: sklearn_digits (tfds)" in result.stdout
    assert "  image-cnn-cifar10: ../shared/data/cifar10-jpg.tar (image_folder)" in result.stdout


def test_inspect_an_image_folder_counts_classes_and_saves_a_grid(
    runner, digit_folder, tmp_path
) -> None:
    grid = tmp_path / "grid.png"
    args = ["data", "inspect", str(digit_folder), "--grid", str(grid), "--per-class", "4"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "modality:   image, input shape 8x8x1" in lines
    assert "classes:    3: 0, 1, 2" in lines
    assert "validation: carved 10% of 'train', stratified, seed 42" in lines
    assert lines[-2].split() == ["total", "32", "4", "36"]
    image = tf.io.decode_png(grid.read_bytes()).numpy()
    cell = (8 + 2) * 4  # 8x8 images enlarged 4 times (to 32 pixels), padded by 1
    assert image.shape[:2] == (3 * cell, 4 * cell) and image.max() > 200


def test_inspect_a_text_folder_shows_samples(runner, tmp_path) -> None:
    root = write_text_files(tmp_path / "reviews")
    result = runner.invoke(main, ["data", "inspect", str(root)])
    assert result.exit_code == 0, result.output
    assert "modality:   text, input shape " in result.stdout
    assert "sample positive: " in result.stdout and "sample negative: " in result.stdout


def test_inspect_an_unknown_name_suggests_close_ones(runner) -> None:
    result = runner.invoke(main, ["data", "inspect", "cifar11"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown TFDS dataset 'cifar11'. Did you mean: ")
    assert "cifar10" in result.stderr


def _run(runner, tmp_path, monkeypatch, dataset: dict):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "exp.yaml"
    experiment = {
        "dataset": dataset,
        "space": {"name": "image-cnn"},
        "tuner": {"kind": "random", "max_trials": 1},
        "training": {"epochs": 1},
    }
    path.write_text(yaml.safe_dump(experiment))
    before = files_under(tmp_path)
    result = runner.invoke(main, ["run", str(path)])
    assert files_under(tmp_path) == before  # no mlflow.db, no search-runs
    return result


def test_a_text_folder_for_an_image_space_fails_before_training(
    runner, tmp_path, monkeypatch
) -> None:
    root = write_text_files(tmp_path / "reviews")
    result = _run(runner, tmp_path, monkeypatch, {"kind": "text_folder", "path": str(root)})
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: space 'image-cnn' takes image data, but dataset 'reviews' holds text data"
    ]


def test_a_folder_with_classes_that_differ_fails_before_training(
    runner, tmp_path, monkeypatch
) -> None:
    root = write_digit_images(tmp_path / "d", {"train": [0, 1], "test": [0, 2]}, per_class=3)
    result = _run(runner, tmp_path, monkeypatch, {"kind": "image_folder", "path": str(root)})
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: folder {root}: classes differ between train and test: "
        "only in train: 1; only in test: 2"
    ]


def test_a_folder_of_texts_is_not_an_image_folder(runner, tmp_path, monkeypatch) -> None:
    root = write_text_files(tmp_path / "reviews")
    result = _run(runner, tmp_path, monkeypatch, {"kind": "image_folder", "path": str(root)})
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: folder {root / 'train'} has no images (.jpg, .jpeg, .png) in class folders: "
        "expected train/<class>/<file>"
    ]
