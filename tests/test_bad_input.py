"""Bad files and bad configs, as a new user makes them: one `error:` line, exit 2, nothing
written, nothing trained (issue 18). Each case starts from a good experiment and breaks one
thing."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest
import yaml

from search.cli import main
from tests.conftest import files_under
from tests.data.conftest import write_digit_images, write_text_files

SEARCH = {"tuner": {"kind": "random", "max_trials": 1}, "training": {"epochs": 1}}
NOT_READ = "; remove or replace them, or set dataset.skip_unreadable: true to train without them"


def _experiment(tmp_path: Path, dataset: dict, space: dict | None = None, text: str = "") -> Path:
    path = tmp_path / "exp.yaml"
    data = {"dataset": dataset, "space": space or {"name": "image-cnn"}, **SEARCH}
    path.write_text(text or yaml.safe_dump({"output_dir": str(tmp_path / "runs"), **data}))
    return path


def _refused(runner, tmp_path: Path, monkeypatch, path: Path, *extra: str, code: int = 2) -> str:
    """Runs the search; asserts the exit code, one `error:` line last on stderr and nothing
    before it but a warning, and no file written; returns the error line."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEARCH_CACHE_DIR", str(tmp_path.parent / f"{tmp_path.name}-cache"))
    before = files_under(tmp_path)
    result = runner.invoke(main, ["run", str(path), *extra])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == code, result.output
    errors = [line for line in lines if line.startswith("error: ")]
    assert errors == [lines[-1]], result.stderr
    assert len(lines) == 1 or lines[0].startswith("WARNING"), result.stderr
    assert files_under(tmp_path) == before  # no mlflow.db, no search directory
    return lines[-1]


def _digits(tmp_path: Path) -> Path:
    return write_digit_images(tmp_path / "digits")


def test_a_corrupt_image_is_named_and_nothing_trains(runner, tmp_path, monkeypatch) -> None:
    root = _digits(tmp_path)
    (root / "train" / "1" / "bad.png").write_bytes(b"not an image at all")
    (root / "test" / "2" / "empty.png").write_bytes(b"")
    path = _experiment(tmp_path, {"kind": "image_folder", "path": str(root)})
    line = _refused(runner, tmp_path, monkeypatch, path)
    assert line == (
        f"error: 2 of 74 files in {root} cannot be read as images: "
        "test/2/empty.png (empty file), train/1/bad.png (not a readable JPEG or PNG image)"
        + NOT_READ
    )


def test_a_truncated_png_is_refused(runner, tmp_path, monkeypatch) -> None:
    root = _digits(tmp_path)
    whole = (root / "train" / "0").iterdir().__next__().read_bytes()
    (root / "train" / "0" / "cut.png").write_bytes(whole[: len(whole) // 2])
    path = _experiment(tmp_path, {"kind": "image_folder", "path": str(root)})
    line = _refused(runner, tmp_path, monkeypatch, path)
    assert line.startswith(f"error: 1 of 73 files in {root} cannot be read as images: ")
    assert "train/0/cut.png (not a readable JPEG or PNG image)" in line


def test_a_text_file_that_is_not_utf8_names_file_and_offset(runner, tmp_path, monkeypatch) -> None:
    root = write_text_files(tmp_path / "reviews")
    (root / "train" / "negative" / "latin1.txt").write_bytes("très mauvais".encode("latin-1"))
    path = _experiment(tmp_path, {"kind": "text_folder", "path": str(root)}, {"name": "text-rnn"})
    line = _refused(runner, tmp_path, monkeypatch, path)
    assert line == (
        f"error: 1 of 13 files in {root} cannot be read as UTF-8 text: "
        "train/negative/latin1.txt (not UTF-8: byte 0xe8 at offset 2)" + NOT_READ
    )


def test_a_csv_that_is_not_utf8_names_file_and_offset(runner, tmp_path, monkeypatch) -> None:
    root = tmp_path / "csv"
    root.mkdir()
    (root / "train.csv").write_bytes(
        "text,label\nbon,positive\nmal\xe9,negative\n".encode("cp1252")
    )
    (root / "test.csv").write_text("text,label\ngood,positive\nbad,negative\n")
    path = _experiment(tmp_path, {"kind": "text_folder", "path": str(root)}, {"name": "text-rnn"})
    line = _refused(runner, tmp_path, monkeypatch, path)
    assert (
        line
        == f"error: {root / 'train.csv'} is not UTF-8: byte 0xe9 at offset 27; save it as UTF-8"
    )


def test_a_duplicate_key_names_it_and_both_lines(runner, tmp_path, monkeypatch) -> None:
    text = (
        "space:\n  name: image-cnn\ntuner:\n  kind: random\n"
        "training:\n  epochs: 1\ntuner:\n  kind: grid\n"
    )
    path = _experiment(tmp_path, {}, text=text)
    line = _refused(runner, tmp_path, monkeypatch, path)
    assert line == f"error: {path}: duplicate key 'tuner' (lines 3 and 7): give each key once"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"dropout": "high"}, "dropout: 'high' is not a number; the space's range is 0.0..0.5"),
        (
            {"dense_units": ["wide"]},
            "dense_units: 'wide' is not a number; the space's range is 32..256",
        ),
        (
            {"normalization": "layernorm"},
            "normalization: 'layernorm' is not one of the space's choices: "
            "batch, layer, group, none",
        ),
        (
            {"head": {"min": 1, "max": 2}},
            "head: a choice takes values, not a range; "
            "choices: flatten, global_average, global_max",
        ),
    ],
    ids=["text for a float", "text for an int", "word outside the choices", "range for a choice"],
)
def test_a_hyperparameter_value_of_the_wrong_kind(
    override, message, runner, tmp_path, monkeypatch, tfds_dir
) -> None:
    dataset = {"name": "sklearn_digits", "data_dir": str(tfds_dir)}
    path = _experiment(tmp_path, dataset, {"name": "image-cnn", "hyperparameters": override})
    line = _refused(runner, tmp_path, monkeypatch, path)
    assert line == f"error: space.hyperparameters.{message}"


def test_a_truncated_archive_is_refused(runner, tmp_path, monkeypatch) -> None:
    root = write_digit_images(tmp_path.parent / f"{tmp_path.name}-src" / "digits")
    whole = tmp_path / "whole.tar.gz"
    with tarfile.open(whole, "w:gz") as tar:
        tar.add(root, arcname="digits")
    archive = tmp_path / "digits.tar.gz"
    archive.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    whole.unlink()
    path = _experiment(tmp_path, {"kind": "image_folder", "path": str(archive)})
    line = _refused(runner, tmp_path, monkeypatch, path, "--quiet")  # no "unpacking" line
    assert line.startswith(f"error: archive {archive} is damaged or truncated (")
    assert line.endswith("): download or copy it again")
    cache = tmp_path.parent / f"{tmp_path.name}-cache" / "folders"
    assert not cache.exists() or not any(cache.iterdir())  # no half-unpacked folder kept


def test_a_symlink_loop_is_named(runner, tmp_path, monkeypatch) -> None:
    root = _digits(tmp_path)
    loop = root / "train" / "2" / "loop.png"
    os.symlink(loop, loop)
    (root / "train" / "2" / "sub").symlink_to(root / "train")  # a folder loop: not a class
    path = _experiment(tmp_path, {"kind": "image_folder", "path": str(root)})
    line = _refused(runner, tmp_path, monkeypatch, path)
    assert line.startswith(f"error: 1 of 73 files in {root} cannot be read as images: ")
    assert "train/2/loop.png (cannot be read: Too many levels of symbolic links)" in line


def test_an_empty_class_folder_is_named(runner, tmp_path, monkeypatch) -> None:
    root = _digits(tmp_path)
    (root / "train" / "3").mkdir()
    (root / "train" / "3" / "Thumbs.db").write_bytes(b"\0" * 10)
    path = _experiment(tmp_path, {"kind": "image_folder", "path": str(root)})
    line = _refused(runner, tmp_path, monkeypatch, path)
    assert line == (
        f"error: class folder {root / 'train' / '3'} has no images (.jpg, .jpeg, .png): "
        "add some, or remove the folder"
    )


def test_a_file_name_that_is_not_utf8_is_named(runner, tmp_path, monkeypatch) -> None:
    root = _digits(tmp_path)
    good = next((root / "train" / "0").iterdir()).read_bytes()
    name = os.path.join(os.fsencode(root / "train" / "0"), b"caf\xe9.png")
    with open(name, "wb") as stream:
        stream.write(good)
    path = _experiment(tmp_path, {"kind": "image_folder", "path": str(root)})
    line = _refused(runner, tmp_path, monkeypatch, path)
    assert "train/0/caf\\xe9.png (file name is not UTF-8; rename it)" in line


def test_skipping_leaves_out_every_unreadable_file_but_no_class(
    runner, tmp_path, monkeypatch
) -> None:
    root = write_digit_images(tmp_path / "d", {"train": [0, 1], "test": [0, 1]}, per_class=3)
    for image in (root / "test" / "1").iterdir():
        image.write_bytes(b"broken")
    dataset = {"kind": "image_folder", "path": str(root), "skip_unreadable": True}
    path = _experiment(tmp_path, dataset)
    line = _refused(runner, tmp_path, monkeypatch, path, "--quiet", code=2)
    assert line.endswith("classes differ between train and test: only in train: 1; only in test: -")


@pytest.mark.parametrize(
    ("dataset", "message"),
    [
        (
            {"name": "sklearn_digits", "skip_unreadable": True},
            "dataset: `skip_unreadable` is for kind image_folder or text_folder",
        ),
        (
            {"kind": "text_folder", "path": "reviews", "channels": 1},
            "dataset: `channels` is for images; this dataset holds text",
        ),
        ({"name": "sklearn_digits", "channels": 2}, "dataset.channels: Input should be 1 or 3"),
    ],
    ids=["skip on a TFDS dataset", "channels for text", "two channels"],
)
def test_file_options_where_they_mean_nothing(
    dataset, message, runner, tmp_path, monkeypatch
) -> None:
    path = _experiment(tmp_path, dataset)
    line = _refused(runner, tmp_path, monkeypatch, path)
    assert line.startswith(f"error: {path}: {message}")
