"""Text to token ids: fitted once on the train split, then a layer inside every trial's model.

The vocabulary is computed once per search (not per trial) and handed to each model's
`TextVectorization` as `vocabulary=`, so builds stay cheap and an exported model takes raw
strings.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from search.data.loading import LoadedData
from search.data.spec import TextEncoding, TextSplit
from search.experiment import TextConfig

log = logging.getLogger(__name__)

LENGTH_PERCENTILE = 90
MAX_AUTO_LENGTH = 256
MIN_SPACES_PER_CHARACTER = 0.05  # English has about 0.17; Chinese or Japanese almost none
SPLIT_SAMPLE = 2_000
ADAPT_BATCH = 1_024


def with_text_encoding(data: LoadedData, config: TextConfig) -> LoadedData:
    """The data with its spec's text encoding fitted on the train split; images unchanged."""
    if data.spec.modality != "text":
        return data
    encoding = fit_text_encoding(data.train.map(lambda text, label: text), config)
    log.info(
        "text: %s tokens, vocabulary of %d, %d tokens per text",
        encoding.split,
        encoding.vocabulary_size,
        encoding.sequence_length,
    )
    return dataclasses.replace(data, spec=dataclasses.replace(data.spec, text=encoding))


def fit_text_encoding(texts: tf.data.Dataset, config: TextConfig) -> TextEncoding:
    """Vocabulary (most frequent first), split and sequence length from unbatched strings."""
    split = guess_split(texts) if config.split == "auto" else config.split
    layer = keras.layers.TextVectorization(
        max_tokens=config.max_tokens, standardize=config.standardize, split=split
    )
    batches = texts.batch(ADAPT_BATCH)
    layer.adapt(batches)
    length = config.sequence_length or _length_percentile(batches, layer)
    return TextEncoding(
        vocabulary=tuple(str(t) for t in layer.get_vocabulary()[2:]),  # no "" nor "[UNK]"
        split=split,
        sequence_length=length,
        standardize=config.standardize,
    )


def guess_split(texts: tf.data.Dataset) -> TextSplit:
    """Characters for scripts written without spaces between words, else whitespace words."""
    sample = [bytes(t).decode("utf-8") for t in texts.take(SPLIT_SAMPLE).as_numpy_iterator()]
    characters = sum(len(t) for t in sample)
    spaces = sum(t.count(" ") for t in sample)
    return "whitespace" if spaces >= MIN_SPACES_PER_CHARACTER * characters else "character"


def _length_percentile(batches: tf.data.Dataset, layer: Any) -> int:
    """Most texts fit whole (the 90th percentile of token counts), capped for speed."""
    counts = np.concatenate(
        [np.count_nonzero(np.asarray(layer(batch)), axis=1) for batch in batches]
    )
    length = int(np.percentile(counts, LENGTH_PERCENTILE)) if len(counts) else 1
    return max(1, min(length, MAX_AUTO_LENGTH))


def vectorizer(encoding: TextEncoding) -> keras.layers.TextVectorization:
    """The layer that maps raw strings to `sequence_length` token ids (0 pads, 1 is unknown)."""
    return keras.layers.TextVectorization(
        vocabulary=list(encoding.vocabulary),
        standardize=encoding.standardize,
        split=encoding.split,
        output_sequence_length=encoding.sequence_length,
        name="vectorize",
    )


def model_sample(features: np.ndarray) -> np.ndarray:
    """A batch as a user would pass it: text as an object array of `str`, else as is.

    Keras predicts from object arrays of `str` only (not bytes, not numpy's `<U` arrays), and
    MLflow's signature then records an object tensor, which `pyfunc` predict accepts.
    """
    if features.dtype == object:
        texts = [f.decode("utf-8") if isinstance(f, bytes) else str(f) for f in features]
        return np.array(texts, dtype=object)
    return features
