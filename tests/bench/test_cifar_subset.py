"""The benchmarks' CIFAR-10: the shipped experiment on the first images of each class."""

from __future__ import annotations

import keras_tuner as kt

from search.bench import cifar
from search.data.loading import load_dataset
from search.experiment import load_experiment
from tests.data.test_cifar10 import CLASSES, extract_subset, pytestmark  # noqa: F401


def test_the_subset_links_the_first_images_of_each_class_into_the_shipped_experiment(
    tmp_path,
) -> None:
    source = extract_subset(tmp_path / "archive", {"train": 20, "test": 5})
    tuner = {"kind": "hyperband", "max_seconds": 60.0, "hyperband_factor": 3}
    config = cifar.experiment(
        tmp_path / "bench", {"train": 10, "test": 2}, tuner, {"epochs": 9}, source
    )

    root = tmp_path / "bench" / "cifar10"
    assert sorted(p.name for p in (root / "train").iterdir()) == CLASSES
    cats = sorted((root / "train" / "cat").iterdir())
    assert [p.name for p in cats] == sorted(p.name for p in (source / "train" / "cat").iterdir())[
        :10
    ]
    assert all(p.is_symlink() for p in cats)

    shipped = load_experiment(cifar.EXPERIMENT)
    assert config.space == shipped.space and config.dataset.augment == shipped.dataset.augment
    assert (config.tuner.kind, config.tuner.max_seconds, config.training.epochs) == (
        "hyperband",
        60.0,
        9,
    )
    assert config.output_dir == str(tmp_path / "bench" / "runs")
    data = load_dataset(config.dataset)
    assert data.spec.split_sizes == {"train": 90, "validation": 10, "test": 20}


def test_the_next_seed_reuses_the_subset_it_linked(tmp_path) -> None:
    """The full quality run searches each tuner once per seed in one folder: the second call
    must keep the links, not fail on them (it did, after the first seed)."""
    source = extract_subset(tmp_path / "archive", {"train": 4, "test": 2})
    first = cifar.subset(tmp_path / "bench", {"train": 3, "test": 1}, source)
    linked = sorted(p.relative_to(first) for p in first.rglob("*.jpg"))
    again = cifar.subset(tmp_path / "bench", {"train": 3, "test": 1}, source)
    assert again == first
    assert sorted(p.relative_to(again) for p in again.rglob("*.jpg")) == linked
    assert len(linked) == len(CLASSES) * 4


def test_the_quality_bench_searches_the_ranges_a_user_would_first_write(
    tmp_path, monkeypatch
) -> None:
    """On the shipped, narrowed ranges every choice scored alike within noise: the bench
    widens the learning rate, weight decay and dropout, and keeps the shipped architecture."""
    from search.bench import quality
    from search.tuning.prepare import prepare

    source = extract_subset(tmp_path / "archive", {"train": 8, "test": 2})
    monkeypatch.setattr(cifar, "subset", lambda workdir, per_class, root=None: source)
    config = quality._experiment(False, tmp_path / "bench", "asha", 1)
    _, hypermodel = prepare(config)
    declared = kt.HyperParameters()
    hypermodel.build(declared)  # declares every hyperparameter the trials draw
    space = {h.name: h for h in declared.space}
    rate, decay = space["learning_rate"], space["weight_decay"]
    assert (rate.min_value, rate.max_value, rate.sampling) == (1e-4, 0.03, "log")
    assert (decay.min_value, decay.max_value, decay.sampling) == (1e-4, 0.1, "log")
    assert space["dropout"].values == [0.0, 0.2, 0.4]
    shipped = load_experiment(cifar.EXPERIMENT).space.hyperparameters
    assert config.space.hyperparameters["width"] == shipped["width"]
    assert config.space.hyperparameters["blocks_per_stage"] == shipped["blocks_per_stage"]
