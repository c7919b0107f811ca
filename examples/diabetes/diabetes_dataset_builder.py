"""diabetes dataset: scikit-learn's bundled copy, as a TFDS dataset of one's own.

Laid out as `tfds new diabetes` lays it out; `dataset: {builder: ../examples/diabetes/}` in
experiments/diabetes-regression.yaml searches it (`task: regression`).
"""

import numpy as np
import tensorflow_datasets as tfds


class Builder(tfds.core.GeneratorBasedBuilder):
    """Disease progression a year after baseline, from 10 measurements."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "scikit-learn copy, standardized with train statistics, 80/20."}

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(
                {
                    "measurements": tfds.features.Tensor(shape=(10,), dtype=np.float32),
                    "progression": tfds.features.Scalar(dtype=np.float32),
                }
            ),
            supervised_keys=("measurements", "progression"),
            homepage="https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html",
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        from sklearn.datasets import load_diabetes

        x, y = load_diabetes(return_X_y=True, scaled=False)
        order = np.random.default_rng(0).permutation(len(y))
        test, train = order[: len(y) // 5], order[len(y) // 5 :]
        mean, std = x[train].mean(axis=0), x[train].std(axis=0)  # from train only
        x = (x - mean) / std
        return {
            "train": self._generate_examples(x[train], y[train], train),
            "test": self._generate_examples(x[test], y[test], test),
        }

    def _generate_examples(self, x, y, ids):
        for row, target, i in zip(x, y, ids, strict=True):
            yield int(i), {"measurements": row.astype(np.float32), "progression": float(target)}
