"""Image folders read through tfds.ImageFolder: splits, carving, resizing, and their errors."""

from __future__ import annotations

import hashlib
import shutil
import tarfile

import numpy as np
import pytest

from search.data.loading import load_dataset
from search.errors import ConfigError, DatasetError
from search.experiment import DatasetConfig
from tests.data.conftest import write_digit_images


def _folder(path, **fields) -> DatasetConfig:
    return DatasetConfig(kind="image_folder", path=str(path), **fields)


def _labels(dataset) -> np.ndarray:
    return np.array([int(y) for _, y in dataset])


def test_image_folder_carves_a_seeded_stratified_validation_split(digit_folder) -> None:
    data = load_dataset(_folder(digit_folder, validation_fraction=0.25, split_seed=3))
    assert data.spec.modality == "image" and data.spec.class_names == ("0", "1", "2")
    assert data.spec.input_shape == (8, 8, 1)  # grayscale PNGs keep one channel
    assert data.spec.split_sizes == {"train": 27, "validation": 9, "test": 36}
    assert np.bincount(_labels(data.validation)).tolist() == [3, 3, 3]
    image, _ = next(iter(data.train))
    assert image.dtype.name == "uint8" and int(image.numpy().max()) > 200
    again = load_dataset(_folder(digit_folder, validation_fraction=0.25, split_seed=3))
    other = load_dataset(_folder(digit_folder, validation_fraction=0.25, split_seed=4))
    validation = [x.numpy().tobytes() for x, _ in data.validation]
    assert validation == [x.numpy().tobytes() for x, _ in again.validation]
    assert validation != [x.numpy().tobytes() for x, _ in other.validation]
    train = {x.numpy().tobytes() for x, _ in data.train}
    assert not train & set(validation)  # carved, not copied


def test_a_validation_folder_is_used_as_it_is(tmp_path) -> None:
    root = write_digit_images(
        tmp_path / "d", {"train": [0, 1], "validation": [0, 1], "test": [0, 1]}, per_class=5
    )
    data = load_dataset(_folder(root))
    assert data.spec.split_sizes == {"train": 10, "validation": 10, "test": 10}
    assert data.validation_source == "split 'validation'"


def test_images_are_resized_to_image_size(digit_folder) -> None:
    data = load_dataset(_folder(digit_folder, image_size=(16, 12)))
    assert data.spec.input_shape == (16, 12, 1)
    assert {tuple(x.shape) for x, _ in data.test} == {(16, 12, 1)}


def test_a_tar_is_unpacked_once_and_checked_against_its_sha256(
    digit_folder, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("SEARCH_CACHE_DIR", str(tmp_path / "cache"))
    archive = tmp_path / "digits.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(digit_folder, arcname="digits")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    archive.with_name("digits.tar.sha256").write_text(f"{digest}  digits.tar\n")
    data = load_dataset(_folder(archive))
    assert data.spec.name == "digits" and data.spec.split_sizes["test"] == 36
    assert len(list((tmp_path / "cache" / "folders").iterdir())) == 1
    archive.with_name("digits.tar.sha256").write_text("0" * 64 + "  digits.tar\n")
    shutil.rmtree(tmp_path / "cache")
    with pytest.raises(DatasetError, match=r"does not match its checksum in .*the archive is dam"):
        load_dataset(_folder(archive))
    assert not (tmp_path / "cache" / "folders").exists() or not any(
        (tmp_path / "cache" / "folders").iterdir()
    )


def test_a_missing_path_says_where_it_looked(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"dataset path not found: nowhere/x \(looked at "):
        load_dataset(_folder("nowhere/x"))


def test_a_folder_without_images_is_refused(tmp_path) -> None:
    (tmp_path / "empty" / "train" / "cat").mkdir(parents=True)
    (tmp_path / "empty" / "train" / "cat" / "notes.txt").write_text("no image here")
    (tmp_path / "empty" / "test").mkdir()
    with pytest.raises(
        DatasetError,
        match=r"folder .*empty/train has no images \(\.jpg, \.jpeg, \.png\) in class folders: "
        r"expected train/<class>/<file>",
    ):
        load_dataset(_folder(tmp_path / "empty"))


def test_a_single_class_is_refused(tmp_path) -> None:
    root = write_digit_images(tmp_path / "one", {"train": [7], "test": [7]}, per_class=3)
    with pytest.raises(
        DatasetError, match=r"has a single class '7'; classification needs at least 2"
    ):
        load_dataset(_folder(root))


def test_classes_that_differ_between_train_and_test_are_refused(tmp_path) -> None:
    root = write_digit_images(tmp_path / "d", {"train": [0, 1, 2], "test": [0, 1, 3]}, 3)
    with pytest.raises(
        DatasetError,
        match=r"classes differ between train and test: only in train: 2; only in test: 3",
    ):
        load_dataset(_folder(root))


def test_a_missing_split_folder_lists_what_is_there(tmp_path) -> None:
    root = write_digit_images(tmp_path / "d", {"train": [0, 1]}, 3)
    with pytest.raises(DatasetError, match=r"folder .* has no 'test' folder; it has: train"):
        load_dataset(_folder(root))


def test_folder_kinds_need_a_path_and_tfds_takes_none() -> None:
    with pytest.raises(ValueError, match="kind 'image_folder' needs `path`"):
        DatasetConfig(kind="image_folder")
    with pytest.raises(ValueError, match="`path` is for kind image_folder or text_folder"):
        DatasetConfig(path="x")


def test_a_file_cache_gives_the_same_examples_every_epoch(digit_folder) -> None:
    data = load_dataset(_folder(digit_folder, cache="file"))
    first = [(x.numpy().tobytes(), int(y)) for x, y in data.train]
    assert first == [(x.numpy().tobytes(), int(y)) for x, y in data.train]
    assert len(first) == data.spec.split_sizes["train"] == 32
