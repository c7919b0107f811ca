"""A whole search on a hand-made folder with a broken file, skipped on request (issue 18):
the skip is on the parent run, the model takes the grayscale images the user has, and the
run's params list only what carries a value."""

from __future__ import annotations

import mlflow
import pytest
import yaml
from mlflow.tracking import MlflowClient

from search.cli import main
from tests.data.conftest import write_digit_images


@pytest.mark.slow
def test_a_search_skips_a_broken_file_and_trains_on_gray_images(
    runner, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = write_digit_images(tmp_path / "digits", per_class=8)
    (root / "train" / "0" / "broken.png").write_bytes(b"GIF89a, but cut")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    experiment = {
        "name": "gray",
        "output_dir": str(tmp_path / "runs"),
        "dataset": {"kind": "image_folder", "path": str(root), "skip_unreadable": True},
        "space": {"name": "image-cnn", "hyperparameters": {"conv_blocks": 1}},
        "tuner": {"kind": "random", "max_trials": 1},
        "training": {"epochs": 1},
    }
    (tmp_path / "gray.yaml").write_text(yaml.safe_dump(experiment))
    result = runner.invoke(main, ["run", str(tmp_path / "gray.yaml"), "--tracking-uri", uri])
    assert result.exit_code == 0, result.output
    assert "skipping 1 of 49 files in" in result.stderr and "broken.png" in result.stderr
    client = MlflowClient(uri)
    parent_id = next(
        line.split()[-1] for line in result.stdout.splitlines() if line.startswith("parent run")
    )
    params = client.get_run(parent_id).data.params
    assert params["data.skipped_files"] == "1"
    assert params["data.input_shape"] == "8x8x1"
    assert params["dataset.skip_unreadable"] == "True"
    assert "None" not in params.values() and "tracking.tracking_uri" not in params
    mlflow.set_tracking_uri(uri)
    signature = mlflow.models.get_model_info("models:/gray@champion").signature
    assert signature.inputs.to_dict()[0]["tensor-spec"]["shape"] == (-1, 8, 8, 1)
