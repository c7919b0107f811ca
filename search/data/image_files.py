"""A TFDS builder over checked image files, in place of `tfds.ImageFolder`.

`tfds.ImageFolder` lists the folder itself (so a file left out after the checks would come
back) and decodes every image with 3 channels. This one reads exactly the files of a checked
listing, with the channels the files have (or the experiment sets).
"""

from __future__ import annotations

import random
from typing import Any

import tensorflow as tf
import tensorflow_datasets as tfds

from search.data.folders import FolderListing


class ImageFiles(tfds.core.DatasetBuilder, skip_registration=True):  # type: ignore[call-arg]
    """Image classification examples from `root/<split>/<label>/<image>`."""

    VERSION = tfds.core.Version("1.0.0")

    def __init__(self, listing: FolderListing, channels: int) -> None:
        self._listing = listing
        self._channels = channels
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
            description="Image classification examples from a folder.",
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(None, None, self._channels)),
                    "label": tfds.features.ClassLabel(),
                }
            ),
            supervised_keys=("image", "label"),
        )

    def _download_and_prepare(self, dl_manager: Any, download_config: Any = None) -> None:
        """Nothing to prepare: the folder is read as it is."""

    def download_and_prepare(self, *args: Any, **kwargs: Any) -> None:
        """Nothing to prepare: the folder is read as it is."""

    def _as_dataset(  # type: ignore[override]
        self, split: str, shuffle_files: bool = False, decoders: Any = None, read_config: Any = None
    ) -> tf.data.Dataset:
        label = self.info.features["label"]
        rows = [
            (str(path), label.str2int(name))
            for name, paths in self._listing.examples[str(split)].items()
            for path in paths
        ]
        random.Random(str(split)).shuffle(rows)  # classes interleaved, in a fixed order
        paths, labels = zip(*rows, strict=True)
        dataset = tf.data.Dataset.from_tensor_slices((list(paths), tf.constant(labels, tf.int64)))

        def example(path: tf.Tensor, label: tf.Tensor) -> dict[str, Any]:
            return self.info.features.decode_example(
                {"image": tf.io.read_file(path), "label": label}, decoders=decoders
            )

        return dataset.map(example, num_parallel_calls=tf.data.AUTOTUNE)
