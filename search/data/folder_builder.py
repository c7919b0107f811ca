"""What the folder builders share: a TFDS builder over a checked listing that needs no
preparation, with one split per listed split and the listing's classes as labels."""

from __future__ import annotations

import random
from typing import Any

import tensorflow_datasets as tfds

from search.data.folders import FolderListing


class FolderBuilder(tfds.core.DatasetBuilder, skip_registration=True):  # type: ignore[call-arg]
    """Subclasses give `_info` (their features) and `_as_dataset` (how a row is read)."""

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

    def _download_and_prepare(self, dl_manager: Any, download_config: Any = None) -> None:
        """Nothing to prepare: the folder is read as it is."""

    def download_and_prepare(self, *args: Any, **kwargs: Any) -> None:
        """Nothing to prepare: the folder is read as it is."""

    def rows(self, split: str) -> list[tuple[Any, int]]:
        """(example, label id) of a split, classes interleaved in a fixed order."""
        label = self.info.features["label"]
        found = [
            (example, label.str2int(name))
            for name, examples in self._listing.examples[str(split)].items()
            for example in examples
        ]
        random.Random(str(split)).shuffle(found)
        return found
