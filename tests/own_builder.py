"""A TFDS dataset of the user's own, written as a user would: `tfds new diabetes` lays out the
folder, then the builder file is filled in. It wraps scikit-learn's bundled diabetes table
(442 patients, 10 measurements, disease progression a year later as a float target)."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

BUILDER = '''"""diabetes dataset."""

import numpy as np
import tensorflow_datasets as tfds


class Builder(tfds.core.GeneratorBasedBuilder):
  """Disease progression a year after baseline, from 10 measurements."""

  VERSION = tfds.core.Version('{version}')
  RELEASE_NOTES = {{'{version}': 'scikit-learn copy, standardized, 80/20 split.'}}

  def _info(self) -> tfds.core.DatasetInfo:
    return self.dataset_info_from_configs(
        features=tfds.features.FeaturesDict({{
            'measurements': tfds.features.Tensor(shape=(10,), dtype=np.float32),
            'progression': tfds.features.Scalar(dtype=np.float32),
        }}),
        supervised_keys={keys},
        homepage='https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html',
    )

  def _split_generators(self, dl_manager: tfds.download.DownloadManager):
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True, scaled=False)
    order = np.random.default_rng(0).permutation(len(y))
    test, train = order[: len(y) // 5], order[len(y) // 5 :]
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)  # from train only
    x = (x - mean) / std
    return {{
        'train': self._generate_examples(x[train], y[train], train),
        'test': self._generate_examples(x[test], y[test], test),
    }}

  def _generate_examples(self, x, y, ids):
    for row, target, i in zip(x, y, ids):
      yield int(i), {{'measurements': row.astype(np.float32), 'progression': float(target)}}
'''
SUPERVISED = "('measurements', 'progression')"


def write_builder(parent: Path, version: str = "1.0.0", keys: str = SUPERVISED) -> Path:
    """`parent/diabetes/` as `tfds new diabetes` makes it, its builder filled in."""
    from tensorflow_datasets.scripts.cli.new import create_dataset_files

    folder = parent / "diabetes"
    if not folder.is_dir():
        with redirect_stdout(io.StringIO()):  # tfds prints where it wrote the files
            create_dataset_files("diabetes", parent, data_format="standard")
    source = BUILDER.format(version=version, keys=keys)
    (folder / "diabetes_dataset_builder.py").write_text(source)
    return folder


def block_sockets(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """No connection can be opened, as on a machine without internet."""
    import socket

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
