"""The benchmarks' CIFAR-10: the shipped experiment on the first images of each class."""

from __future__ import annotations

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
