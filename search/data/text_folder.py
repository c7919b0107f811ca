"""A TFDS builder over a folder of texts, the text counterpart of `tfds.ImageFolder`.

TFDS ships no text-classification folder builder. Like `ImageFolder`, this one needs no
preparation: it reads the files (one example each) or holds the CSV rows, and gives the usual
`{"text", "label"}` examples with `("text", "label")` as supervised keys.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import tensorflow as tf
import tensorflow_datasets as tfds

from search.data.folders import FolderListing


class TextFolder(tfds.core.DatasetBuilder, skip_registration=True):  # type: ignore[call-arg]
    """Text classification examples from `root/<split>/<label>/*.txt` or `root/<split>.csv`."""

    VERSION = tfds.core.Version("1.0.0")

    def __init__(self, listing: FolderListing) -> None:
        self._listing = listing
        super().__init__(data_dir=str(listing.root))
        self._data_dir = str(listing.root)  # nothing to prepare: read where the files are
        self.info.features["label"].names = listing.classes
        self.info.set_splits(
            tfds.core.SplitDict(
                [
                    tfds.core.SplitInfo(name=split, shard_lengths=[size], num_bytes=0)
                    for split, size in listing.sizes().items()
                ]
            )
        )

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description="Text classification examples from a folder.",
            features=tfds.features.FeaturesDict(
                {"text": tfds.features.Text(), "label": tfds.features.ClassLabel()}
            ),
            supervised_keys=("text", "label"),
        )

    def _download_and_prepare(self, dl_manager: Any, download_config: Any = None) -> None:
        """Nothing to prepare: the folder is read as it is."""

    def download_and_prepare(self, *args: Any, **kwargs: Any) -> None:
        """Nothing to prepare: the folder is read as it is."""

    def _as_dataset(  # type: ignore[override]
        self, split: str, shuffle_files: bool = False, decoders: Any = None, read_config: Any = None
    ) -> tf.data.Dataset:
        rows = [
            (str(example), isinstance(example, Path), self.info.features["label"].str2int(label))
            for label, examples in self._listing.examples[str(split)].items()
            for example in examples
        ]
        random.Random(str(split)).shuffle(rows)  # classes interleaved, in a fixed order
        contents, is_file, labels = zip(*rows, strict=True)
        dataset = tf.data.Dataset.from_tensor_slices(
            (list(contents), list(is_file), tf.constant(labels, tf.int64))
        )

        def example(content: tf.Tensor, from_file: tf.Tensor, label: tf.Tensor) -> dict:
            text = tf.cond(from_file, lambda: tf.io.read_file(content), lambda: content)
            return {"text": text, "label": label}

        return dataset.map(example, num_parallel_calls=tf.data.AUTOTUNE)
