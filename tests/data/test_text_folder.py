"""Text folders (one file per example, or a CSV per split) as (text, label) TFDS data."""

from __future__ import annotations

import numpy as np
import pytest

from search.data.loading import load_dataset
from search.errors import DatasetError
from search.experiment import DatasetConfig
from tests.data.conftest import REVIEWS, write_text_csv, write_text_files


def _texts(dataset) -> dict[str, int]:
    return {x.numpy().decode(): int(y) for x, y in dataset}


@pytest.mark.parametrize("layout", ["files", "csv"])
def test_text_folder_gives_text_label_pairs(tmp_path, layout) -> None:
    write = write_text_files if layout == "files" else write_text_csv
    root = write(tmp_path / "reviews")
    data = load_dataset(DatasetConfig(kind="text_folder", path=str(root), validation_fraction=0.25))
    assert data.spec.modality == "text" and data.spec.input_shape == ()
    assert data.spec.class_names == ("negative", "positive")
    assert data.spec.split_sizes == {"train": 6, "validation": 2, "test": 4}
    assert data.spec.augment is None
    test = _texts(data.test)
    assert test == {text: i for i, label in enumerate(REVIEWS) for text in REVIEWS[label][4:]}
    seen = {**_texts(data.train), **_texts(data.validation)}
    assert set(seen) == {t for texts in REVIEWS.values() for t in texts[:4]}
    assert np.bincount(list(_texts(data.validation).values())).tolist() == [1, 1]


def test_csv_without_text_and_label_columns_is_refused(tmp_path) -> None:
    (tmp_path / "train.csv").write_text("review,stars\ngood,5\n")
    with pytest.raises(
        DatasetError, match=r"train.csv needs a header with columns 'text' and 'label', got: "
    ):
        load_dataset(DatasetConfig(kind="text_folder", path=str(tmp_path)))


def test_a_text_folder_without_texts_is_refused(tmp_path) -> None:
    for split in ("train", "test"):
        (tmp_path / split / "a").mkdir(parents=True)
        (tmp_path / split / "a" / "x.png").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"train has no text files \(\.txt\) in class folders"):
        load_dataset(DatasetConfig(kind="text_folder", path=str(tmp_path)))
