"""CIFAR-10, the largest real image dataset here offline, sized for a benchmark on 2 cores.

The shipped experiment `image-cnn-cifar10` (its narrowed space, augmentation and loading
from `../shared/data/cifar10-jpg.tar`) on the first images of each class, linked into a
folder of the benchmark's own: a whole CIFAR-10 epoch takes 20-30 s on 2 idle cores, too
long for a search to try more than a handful of trials in a few minutes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from search.experiment import Experiment, load_experiment, validate_experiment

EXPERIMENT = "image-cnn-cifar10"


def subset(workdir: Path, per_class: dict[str, int], root: Path | None = None) -> Path:
    """`workdir/cifar10/<split>/<class>/` holding links to the first `per_class[split]` images
    of each class of `root`, by default the experiment's archive (unpacked once into the
    cache, as the experiment does). Called again (the next seed), it keeps the links made."""
    from search.data import folders

    if root is None:
        source = load_experiment(EXPERIMENT).dataset.path
        assert source is not None  # an image_folder experiment
        root = folders.materialize(folders.resolve_path(source))
    target = workdir / "cifar10"
    for split, count in per_class.items():
        for label in sorted(p for p in (root / split).iterdir() if p.is_dir()):
            linked = target / split / label.name
            linked.mkdir(parents=True, exist_ok=True)
            for image in sorted(label.iterdir())[:count]:
                if not (linked / image.name).is_symlink():  # linked by an earlier seed
                    (linked / image.name).symlink_to(image)
    return target


def experiment(
    workdir: Path,
    per_class: dict[str, int],
    tuner: dict[str, Any],
    training: dict[str, Any],
    root: Path | None = None,
) -> Experiment:
    """The CIFAR-10 experiment on a subset, with the benchmark's tuner and training settings
    and every output under `workdir`."""
    shipped = load_experiment(EXPERIMENT).model_dump(mode="json")
    shipped["dataset"]["path"] = str(subset(workdir, per_class, root))
    return validate_experiment(
        {
            **shipped,
            "name": f"bench-cifar10-{tuner['kind']}",
            "tuner": {**shipped["tuner"], **tuner},
            "training": {**shipped["training"], **training},
            "output_dir": str(workdir / "runs"),
        },
        source="benchmark",
    )


def describe(per_class: dict[str, int]) -> str:
    """What the subset holds, for the benchmark's details."""
    return "cifar10: " + ", ".join(f"{n} {split} images a class" for split, n in per_class.items())
