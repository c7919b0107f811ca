"""Config for a TFDS dataset of your own: where its builder lives, which features it learns.

Plain Python (no TensorFlow): the experiment file anchors the builder's folder when it is
loaded, as it anchors a space module.
"""

from __future__ import annotations

from pathlib import Path

from search.config_base import Strict


class FeatureKeys(Strict):
    """The input and label features of a builder that declares no `supervised_keys`."""

    input: str
    label: str


def anchored_dataset(dataset: object, base: Path) -> object:
    """The `dataset:` mapping of an experiment file at `base`, a relative `builder` folder
    found next to the file, else in the working directory, and recorded as an absolute path."""
    if not isinstance(dataset, dict) or not isinstance(dataset.get("builder"), str):
        return dataset
    ref = Path(dataset["builder"]).expanduser()
    if not ref.is_absolute():
        found = [folder / ref for folder in (base, Path.cwd()) if (folder / ref).is_dir()]
        ref = found[0] if found else base / ref
    return {**dataset, "builder": str(ref.resolve())}
