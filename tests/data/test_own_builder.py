"""A TFDS dataset of your own (`dataset.builder`): the folder `tfds new` lays out, outside the
project, prepared offline into the data directory and read like any registered dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from search.data.loading import load_dataset
from search.data.own_builder import MARKER
from search.distributed.worker import check_same_data
from search.errors import ConfigError, DatasetError
from search.experiment import DatasetConfig, load_experiment
from tests.own_builder import block_sockets, write_builder


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    block_sockets(monkeypatch)


def test_a_builder_folder_is_prepared_offline_and_read_like_a_registered_dataset(
    tmp_path: Path, offline
) -> None:
    folder = write_builder(tmp_path / "mine")
    data_dir = tmp_path / "tfds"
    data = load_dataset(DatasetConfig(builder=str(folder), data_dir=str(data_dir)))
    spec = data.spec
    assert (spec.name, spec.version, spec.modality, spec.input_shape) == (
        "diabetes",
        "1.0.0",
        "vector",
        (10,),
    )
    assert spec.label_kind == "number" and spec.num_classes == 0
    assert spec.split_sizes == {"train": 319, "validation": 35, "test": 88}
    assert (data_dir / "diabetes" / "1.0.0" / MARKER).read_text().strip() == spec.builder_digest
    assert spec.identity()["data.builder_digest"] == spec.builder_digest
    labels = np.array([float(y) for _, y in data.train])
    assert spec.label_mean == pytest.approx(labels.mean(), rel=1e-5)
    assert spec.label_std == pytest.approx(labels.std(), rel=1e-5)
    x, y = next(iter(data.test))
    assert x.shape == (10,) and x.dtype.name == "float32" and y.dtype.name == "float32"


def test_a_relative_builder_is_found_next_to_the_experiment_file(tmp_path: Path) -> None:
    write_builder(tmp_path)
    path = tmp_path / "exp.yaml"
    path.write_text(
        "task: regression\ndataset: {builder: ./diabetes/}\nspace: {name: vector-mlp}\n"
    )
    assert load_experiment(str(path)).dataset.builder == str((tmp_path / "diabetes").resolve())


def test_a_builder_without_supervised_keys_lists_its_features_and_asks_for_them(
    tmp_path: Path,
) -> None:
    folder = write_builder(tmp_path, keys="None")
    config = DatasetConfig(builder=str(folder), data_dir=str(tmp_path / "tfds"))
    with pytest.raises(ConfigError) as raised:
        load_dataset(config)
    assert str(raised.value) == (
        "dataset 'diabetes' has no supervised_keys; its features: measurements (Tensor (10,) "
        "float32), progression (Scalar () float32); set dataset.features: "
        "{input: ..., label: ...}"
    )
    named = DatasetConfig.model_validate(
        {**config.model_dump(), "features": {"input": "measurements", "label": "progression"}}
    )
    assert load_dataset(named).spec.input_shape == (10,)


def test_a_builder_changed_since_it_was_prepared_is_not_read_from_stale_files(
    tmp_path: Path,
) -> None:
    folder = write_builder(tmp_path)
    config = DatasetConfig(builder=str(folder), data_dir=str(tmp_path / "tfds"))
    first = load_dataset(config).spec.builder_digest
    source = folder / "diabetes_dataset_builder.py"
    source.write_text(source.read_text().replace("// 5", "// 4"))
    with pytest.raises(DatasetError, match="changed since it was prepared as diabetes 1.0.0"):
        load_dataset(config)
    write_builder(tmp_path, version="1.0.1")  # a new version is prepared beside the old one
    changed = load_dataset(config).spec
    assert changed.version == "1.0.1" and changed.builder_digest != first
    # A worker whose builder differs from the chief's refuses to join its search.
    chief = {**changed.identity(), "data.version": "1.0.0", "data.builder_digest": first}
    with pytest.raises(DatasetError, match="data.version is 1.0.1 here, 1.0.0 on the chief"):
        check_same_data(chief, changed.identity())


def test_a_folder_without_a_builder_file_says_what_tfds_new_makes(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"has no empty_dataset_builder.py defining `class Bu"):
        load_dataset(DatasetConfig(builder=str(tmp_path / "empty")))


def test_search_data_inspect_shows_a_builder_folder_with_numeric_labels(
    tmp_path: Path, runner
) -> None:
    from search.cli import main

    folder = write_builder(tmp_path)
    result = runner.invoke(
        main, ["data", "inspect", str(folder), "--data-dir", str(tmp_path / "tfds")]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "dataset:    diabetes 1.0.0 (tfds)",
        "modality:   vector, input shape 10",
        "labels:     numbers; validation: carved 10% of 'train', at random, seed 42",
    ]
    assert lines[4].split() == ["train", "319", "25", "153.3", "346"]
