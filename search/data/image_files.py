"""A TFDS builder over checked image files, in place of `tfds.ImageFolder`.

`tfds.ImageFolder` lists the folder itself (so a file left out after the checks would come
back) and decodes every image with 3 channels. This one reads exactly the files of a checked
listing, with the channels the files have (or the experiment sets).
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
import tensorflow_datasets as tfds

from search.data.folder_builder import FolderBuilder
from search.data.folders import FolderListing


class ImageFiles(FolderBuilder):
    """Image classification examples from `root/<split>/<label>/<image>`."""

    def __init__(self, listing: FolderListing, channels: int) -> None:
        self._channels = channels  # before the base builds `info` from `_info`
        super().__init__(listing)

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

    def _as_dataset(  # type: ignore[override]
        self, split: str, shuffle_files: bool = False, decoders: Any = None, read_config: Any = None
    ) -> tf.data.Dataset:
        paths, labels = zip(*((str(path), label) for path, label in self.rows(split)), strict=True)
        dataset = tf.data.Dataset.from_tensor_slices((list(paths), tf.constant(labels, tf.int64)))

        def example(path: tf.Tensor, label: tf.Tensor) -> dict[str, Any]:
            return self.info.features.decode_example(
                {"image": tf.io.read_file(path), "label": label}, decoders=decoders
            )

        return dataset.map(example, num_parallel_calls=tf.data.AUTOTUNE)
