"""scikit-learn's bundled handwritten digits (UCI optdigits test set) as a TFDS dataset.

1,797 real 8x8 grey images of the digits 0-9, shipped inside the scikit-learn wheel, so
the dataset prepares with no network. Pixel counts 0..16 are scaled to 0..255 so the
images look like any other uint8 TFDS image. The split is fixed and stratified:
70% train, 15% validation, 15% test (1,257 / 270 / 270).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import tensorflow_datasets as tfds

SPLIT_SEED = 20_261_125
FRACTIONS = {"validation": 0.15, "test": 0.15}


def split_indices(labels: np.ndarray) -> dict[str, np.ndarray]:
    """A fixed, stratified train / validation / test partition of the example indices."""
    from sklearn.model_selection import train_test_split

    indices = np.arange(len(labels))
    held_out = FRACTIONS["validation"] + FRACTIONS["test"]
    train, rest = train_test_split(
        indices, test_size=held_out, stratify=labels, random_state=SPLIT_SEED
    )
    validation, test = train_test_split(
        rest, test_size=0.5, stratify=labels[rest], random_state=SPLIT_SEED
    )
    return {"train": np.sort(train), "validation": np.sort(validation), "test": np.sort(test)}


class SklearnDigits(tfds.core.GeneratorBasedBuilder):
    """Handwritten digits 0-9 as 8x8x1 uint8 images (from scikit-learn's bundled copy)."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Fixed stratified 70/15/15 split of the 1,797 images."}

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=__doc__,
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(8, 8, 1)),
                    "label": tfds.features.ClassLabel(names=[str(d) for d in range(10)]),
                }
            ),
            supervised_keys=("image", "label"),
            homepage="https://archive.ics.uci.edu/dataset/80",
            citation="Alpaydin, E. & Kaynak, C. (1998). Optical Recognition of Handwritten Digits.",
        )

    def _split_generators(self, dl_manager: Any) -> dict[str, Iterator[tuple[str, dict]]]:
        from sklearn.datasets import load_digits

        digits = load_digits()
        images = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
        labels = digits.target.astype(np.int64)
        return {
            split: self._generate_examples(images[idx], labels[idx], idx)
            for split, idx in split_indices(labels).items()
        }

    def _generate_examples(
        self, images: np.ndarray, labels: np.ndarray, ids: np.ndarray
    ) -> Iterator[tuple[str, dict]]:
        for image, label, example_id in zip(images, labels, ids, strict=True):
            yield f"digit_{example_id}", {"image": image, "label": int(label)}
