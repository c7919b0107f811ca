"""The CIFAR-10 experiment's data path on a tiny real subset of `../shared/data`'s archive."""

from __future__ import annotations

import tarfile
from pathlib import Path

import keras
import keras_tuner as kt
import numpy as np
import pytest

from search.data.loading import load_dataset
from search.data.pipeline import evaluation_pipeline, training_pipeline
from search.experiment import load_experiment
from search.tuning.hypermodel import SpaceHyperModel
from spaces import SPACES
from tests.conftest import REPO

ARCHIVE = REPO.parent / "shared" / "data" / "cifar10-jpg.tar"
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
pytestmark = pytest.mark.skipif(not ARCHIVE.is_file(), reason=f"{ARCHIVE} is not here")


def extract_subset(root: Path, per_split: dict[str, int]) -> Path:
    """The first `per_split[split]` images of each class, as `root/<split>/<class>/*.jpg`."""
    taken: dict[tuple[str, str], int] = {}
    with tarfile.open(ARCHIVE) as tar:
        for member in tar:
            parts = Path(member.name).parts
            if not member.isfile() or len(parts) != 3 or parts[0] not in per_split:
                continue
            key = (parts[0], parts[1])
            if taken.get(key, 0) < per_split[parts[0]]:
                taken[key] = taken.get(key, 0) + 1
                tar.extract(member, root, filter="data")
    return root


def test_the_cifar_experiment_trains_on_raw_jpeg_pixels(tmp_path) -> None:
    root = extract_subset(tmp_path / "cifar10-subset", {"train": 20, "test": 5})
    experiment = load_experiment("image-cnn-cifar10")
    config = experiment.dataset.model_copy(update={"path": str(root)})
    data = load_dataset(config)
    assert data.spec.class_names == tuple(CLASSES) and data.spec.input_shape == (32, 32, 3)
    assert data.spec.split_sizes == {"train": 180, "validation": 20, "test": 50}
    hypermodel = SpaceHyperModel(
        SPACES.get(experiment.space.name),
        data.spec,
        experiment.space.hyperparameters,
        training=experiment.training,
    )
    model = hypermodel.build(kt.HyperParameters())
    assert {"random_flip", "pad", "pad_random_crop", "pad_center_crop", "rescale"} <= {
        layer.name for layer in model.layers
    }
    model.fit(training_pipeline(data.train, 32, 0, 180), epochs=1, verbose=0, shuffle=False)
    raw = np.stack([x for x, _ in data.test.take(4).as_numpy_iterator()])
    assert raw.dtype == np.uint8  # the model is fed raw pixels: its own layers scale them
    first, again = model.predict(raw, verbose=0), model.predict(raw, verbose=0)
    assert first.shape == (4, 10) and np.allclose(first, again)  # no augmentation at inference
    assert len(model.predict(evaluation_pipeline(data.test, 32), verbose=0)) == 50
    keras.backend.clear_session()
