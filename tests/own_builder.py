"""A TFDS dataset of the user's own, written as a user would: `tfds new diabetes` lays out the
folder (in a temporary directory, outside the project), then the builder file is filled in. It
wraps scikit-learn's bundled diabetes table (442 patients, 10 measurements, disease
progression a year later as a float target)."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

from tests.conftest import REPO

# The shipped example (experiments/diabetes-regression.yaml searches it), written elsewhere.
EXAMPLE = REPO / "examples" / "diabetes" / "diabetes_dataset_builder.py"
SUPERVISED = '("measurements", "progression")'


def write_builder(parent: Path, version: str = "1.0.0", keys: str = SUPERVISED) -> Path:
    """`parent/diabetes/` as `tfds new diabetes` makes it, its builder filled in."""
    from tensorflow_datasets.scripts.cli.new import create_dataset_files

    folder = parent / "diabetes"
    if not folder.is_dir():
        with redirect_stdout(io.StringIO()):  # tfds prints where it wrote the files
            create_dataset_files("diabetes", parent, data_format="standard")
    source = (
        EXAMPLE.read_text()
        .replace('"1.0.0"', f'"{version}"')
        .replace(f"supervised_keys={SUPERVISED}", f"supervised_keys={keys}")
    )
    (folder / "diabetes_dataset_builder.py").write_text(source)
    return folder


def block_sockets(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """No connection can be opened, as on a machine without internet."""
    import socket

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
