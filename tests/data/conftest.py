"""Small real folders: scikit-learn's digit images as PNG files, short texts as files or CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

REVIEWS = {
    "negative": [
        "The plot was dull and the acting worse.",
        "I walked out halfway; a waste of an evening.",
        "Flat characters, no tension, far too long.",
        "The sound was broken and the story made no sense.",
        "Boring from start to finish.",
        "I want those two hours back.",
    ],
    "positive": [
        "A warm, funny film with a wonderful cast.",
        "I loved every minute and would watch it again.",
        "Beautifully shot and surprisingly moving.",
        "The best thing I have seen this year.",
        "Clever, kind and full of life.",
        "A delight: go and see it.",
    ],
}


def write_digit_images(
    root: Path, classes: dict[str, list[int]] | None = None, per_class: int = 12
) -> Path:
    """`root/<split>/<digit>/<i>.png` from the real digit images, for the given splits/classes."""
    import numpy as np
    import tensorflow as tf
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
    classes = classes or {"train": [0, 1, 2], "test": [0, 1, 2]}
    for split, wanted in classes.items():
        offset = 0 if split == "train" else per_class
        for digit in wanted:
            folder = root / split / str(digit)
            folder.mkdir(parents=True, exist_ok=True)
            chosen = np.flatnonzero(digits.target == digit)[offset : offset + per_class]
            for i in chosen:
                (folder / f"{i}.png").write_bytes(tf.io.encode_png(images[i]).numpy())
    return root


@pytest.fixture
def digit_folder(tmp_path: Path) -> Path:
    return write_digit_images(tmp_path / "digits")


def write_text_files(root: Path, splits: tuple[str, ...] = ("train", "test")) -> Path:
    """`root/<split>/<label>/<i>.txt`, one review per file (train gets 4 a class, test 2)."""
    for split in splits:
        for label, texts in REVIEWS.items():
            chosen = texts[:4] if split == "train" else texts[4:]
            folder = root / split / label
            folder.mkdir(parents=True, exist_ok=True)
            for i, text in enumerate(chosen):
                (folder / f"{i}.txt").write_text(text)
    return root


def write_text_csv(root: Path) -> Path:
    """`root/train.csv` and `root/test.csv` with `text` and `label` columns."""
    root.mkdir(parents=True, exist_ok=True)
    for split, part in (("train", slice(0, 4)), ("test", slice(4, 6))):
        with (root / f"{split}.csv").open("w", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["text", "label"])
            for label, texts in REVIEWS.items():
                writer.writerows([text, label] for text in texts[part])
    return root
