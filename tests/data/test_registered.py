"""Registered TFDS names: read from a prepared data_dir with no network, or fail at once."""

from __future__ import annotations

import shutil
import socket

import pytest

from search.data.loading import load_dataset
from search.errors import ConfigError, DatasetError
from search.experiment import DatasetConfig
from tests.conftest import files_under


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No connection can be opened, as on a machine without internet."""

    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_a_prepared_data_dir_is_read_with_no_network(tfds_dir, tmp_path, offline) -> None:
    copied = tmp_path / "prepared-elsewhere"
    shutil.copytree(tfds_dir, copied)
    before = files_under(copied)
    config = DatasetConfig(name="sklearn_digits", version="1.0.0", data_dir=str(copied))
    data = load_dataset(config)
    assert data.spec.split_sizes == {"train": 1257, "validation": 270, "test": 270}
    assert data.validation_source == "split 'validation'"
    assert sum(1 for _ in data.test) == 270
    assert files_under(copied) == before  # read as it is: nothing prepared again


def test_a_dataset_not_prepared_and_not_downloadable_says_where_and_how(tmp_path, offline) -> None:
    config = DatasetConfig(name="mnist", data_dir=str(tmp_path))
    with pytest.raises(DatasetError) as raised:
        load_dataset(config)
    message = str(raised.value)
    assert message.startswith(
        f"TFDS dataset 'mnist' 3.0.1 is not prepared in {tmp_path}/mnist/3.0.1 and cannot be "
        "downloaded (no connection to storage.googleapis.com): prepare it where there is "
        "internet (`tfds build mnist --data_dir DIR`), copy DIR here and point "
        "dataset.data_dir (or --data-dir) at it"
    )
    assert not files_under(tmp_path)  # nothing half-written


def test_an_unknown_version_is_a_config_error(tfds_dir) -> None:
    config = DatasetConfig(name="sklearn_digits", version="9.9.9", data_dir=str(tfds_dir))
    with pytest.raises(ConfigError, match=r"dataset 'sklearn_digits': .*9\.9\.9"):
        load_dataset(config)
