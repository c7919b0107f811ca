"""Folder files as a new user has them: stray files, other scripts, odd sizes, gray and colour,
and broken files skipped on request (issue 18)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import tensorflow as tf

from search.data.loading import load_dataset
from search.errors import DataFileError
from search.experiment import DatasetConfig
from tests.data.conftest import write_digit_images, write_text_files


def _folder(path, **fields) -> DatasetConfig:
    return DatasetConfig(kind="image_folder", path=str(path), **fields)


def _png(path, height: int, width: int, channels: int) -> None:
    pixels = np.random.default_rng(height).integers(0, 255, (height, width, channels), np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tf.io.encode_png(pixels).numpy())


def test_stray_and_hidden_files_are_not_examples(digit_folder) -> None:
    train0 = digit_folder / "train" / "0"
    (train0 / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0" * 8)
    (train0 / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (train0 / "._0.png").write_bytes(b"\0\5\26\7 AppleDouble")  # macOS resource fork
    (train0 / "notes.txt").write_text("where these came from")
    (digit_folder / "train" / ".ipynb_checkpoints").mkdir()
    data = load_dataset(_folder(digit_folder))
    assert data.spec.class_names == ("0", "1", "2")
    assert data.spec.split_sizes["train"] + data.spec.split_sizes["validation"] == 36


def test_file_and_class_names_in_other_scripts_load(tmp_path) -> None:
    root = tmp_path / "动物"
    for split in ("train", "test"):
        for label in ("猫", "chien-éà", "кошка"):
            for i in range(3):
                _png(root / split / label / f"图片 {i} ü.png", 8, 8, 3)
    data = load_dataset(_folder(root))
    assert data.spec.class_names == tuple(sorted(("猫", "chien-éà", "кошка")))
    assert data.spec.split_sizes["test"] == 9 and data.spec.name == "动物"
    assert len(list(data.test)) == 9


def test_images_of_very_different_sizes_are_resized_to_one(tmp_path, caplog) -> None:
    root = tmp_path / "sizes"
    sizes = [(8, 8), (300, 40), (17, 500), (1, 1), (64, 64), (5, 90)]
    for split in ("train", "test"):
        for label in ("a", "b"):
            for i, (height, width) in enumerate(sizes):
                _png(root / split / label / f"{i}.png", height, width, 3)
    data = load_dataset(_folder(root, image_size=(16, 16)))
    assert data.spec.input_shape == (16, 16, 3)
    assert {tuple(x.shape) for x, _ in data.test} == {(16, 16, 3)}
    with caplog.at_level(logging.INFO, logger="search"):
        unsized = load_dataset(_folder(root))  # the first training image's size
    assert "images resized to" in caplog.text and "the size of the first one" in caplog.text
    assert {tuple(x.shape) for x, _ in unsized.test} == {unsized.spec.input_shape}


@pytest.mark.parametrize(
    ("made", "setting", "expected"),
    [
        ([1, 1], None, 1),  # grayscale files (the MNIST PNGs): 28x28x1, not x3
        ([2, 1], None, 1),  # gray with alpha is still gray
        ([3, 4], None, 3),
        ([1, 3], None, 3),  # a mix: colour, with a note
        ([1, 1], 3, 3),
        ([3, 3], 1, 1),
    ],
)
def test_channels_follow_the_files_unless_set(tmp_path, made, setting, expected) -> None:
    root = tmp_path / "c"
    for split in ("train", "test"):
        for label in ("a", "b"):
            for i, channels in enumerate(made * 2):
                _png(root / split / label / f"{i}.png", 6, 6, channels)
    data = load_dataset(_folder(root, channels=setting))
    assert data.spec.input_shape == (6, 6, expected)
    assert {tuple(x.shape) for x, _ in data.train} == {(6, 6, expected)}


def test_channels_can_be_set_for_a_tfds_dataset(tfds_dir) -> None:
    config = DatasetConfig(name="sklearn_digits", data_dir=str(tfds_dir), channels=3)
    data = load_dataset(config)
    assert data.spec.input_shape == (8, 8, 3)
    assert tuple(next(iter(data.test))[0].shape) == (8, 8, 3)


def test_skip_unreadable_leaves_them_out_and_changes_the_data_identity(
    digit_folder, caplog
) -> None:
    whole = load_dataset(_folder(digit_folder, skip_unreadable=True)).spec
    (digit_folder / "train" / "1" / "bad.png").write_bytes(b"<html>404</html>")
    (digit_folder / "test" / "0" / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut")
    with pytest.raises(DataFileError, match=r"2 of 74 files in .* cannot be read as images"):
        load_dataset(_folder(digit_folder))
    with caplog.at_level(logging.WARNING, logger="search"):
        skipped = load_dataset(_folder(digit_folder, skip_unreadable=True)).spec
    assert "skipping 2 of 74 files in" in caplog.text and "train/1/bad.png" in caplog.text
    assert skipped.split_sizes == whole.split_sizes
    assert skipped.identity()["data.skipped_files"] == "2"
    assert whole.identity()["data.skipped_files"] == "0"


def test_skip_unreadable_text_files(tmp_path) -> None:
    root = write_text_files(tmp_path / "reviews")
    (root / "train" / "positive" / "utf16.txt").write_bytes("great".encode("utf-16"))
    config = DatasetConfig(kind="text_folder", path=str(root), skip_unreadable=True)
    data = load_dataset(config)
    assert data.spec.split_sizes["test"] == 4 and data.spec.skipped_files == 1
    texts = {bytes(x.numpy()) for x, _ in data.train.concatenate(data.validation)}
    assert len(texts) == 8


def test_many_bad_files_are_counted_not_all_named(tmp_path) -> None:
    root = write_digit_images(tmp_path / "d")
    for i in range(9):
        (root / "train" / "2" / f"x{i}.png").write_bytes(b"")
    with pytest.raises(DataFileError) as error:
        load_dataset(_folder(root))
    assert str(error.value).count("(empty file)") == 5 and " and 4 more;" in str(error.value)


def test_a_huge_image_is_refused_from_its_header_without_decoding(digit_folder) -> None:
    huge = np.zeros((9500, 9500, 1), np.uint8)  # 90 megapixels: a scan at 1200 dpi
    (digit_folder / "train" / "0" / "scan.png").write_bytes(tf.io.encode_png(huge).numpy())
    jpeg = tf.io.encode_jpeg(np.zeros((8, 8, 3), np.uint8)).numpy()
    (digit_folder / "train" / "1" / "photo.jpg").write_bytes(jpeg)  # small JPEGs pass
    with pytest.raises(DataFileError) as error:
        load_dataset(_folder(digit_folder))
    assert (
        "1 of 74 files in" in str(error.value)
        and "train/0/scan.png (9500x9500 pixels, over the 89-megapixel limit: shrink it "
        "(dataset.image_size resizes after decoding))"
        in str(error.value)
    )
    skipped = load_dataset(_folder(digit_folder, skip_unreadable=True))
    assert skipped.spec.skipped_files == 1 and skipped.spec.input_shape == (8, 8, 3)
