"""A TFDS builder over a folder of texts, the text counterpart of `tfds.ImageFolder`.

TFDS ships no text-classification folder builder. Like `ImageFolder`, this one needs no
preparation: it reads the files (one example each) or holds the CSV rows, and gives the usual
`{"text", "label"}` examples with `("text", "label")` as supervised keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tensorflow as tf
import tensorflow_datasets as tfds

from search.data.folder_builder import FolderBuilder


class TextFolder(FolderBuilder):
    """Text classification examples from `root/<split>/<label>/*.txt` or `root/<split>.csv`."""

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description="Text classification examples from a folder.",
            features=tfds.features.FeaturesDict(
                {"text": tfds.features.Text(), "label": tfds.features.ClassLabel()}
            ),
            supervised_keys=("text", "label"),
        )

    def _as_dataset(  # type: ignore[override]
        self, split: str, shuffle_files: bool = False, decoders: Any = None, read_config: Any = None
    ) -> tf.data.Dataset:
        rows = [
            (str(example), isinstance(example, Path), label) for example, label in self.rows(split)
        ]
        contents, is_file, labels = zip(*rows, strict=True)
        dataset = tf.data.Dataset.from_tensor_slices(
            (list(contents), list(is_file), tf.constant(labels, tf.int64))
        )

        def example(content: tf.Tensor, from_file: tf.Tensor, label: tf.Tensor) -> dict:
            text = tf.cond(from_file, lambda: tf.io.read_file(content), lambda: content)
            return {"text": text, "label": label}

        return dataset.map(example, num_parallel_calls=tf.data.AUTOTUNE)
