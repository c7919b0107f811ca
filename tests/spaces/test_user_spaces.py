"""The user's own Python spaces, written outside the project as a new user would: a module
file through `search run` and `search train`, a compiled `build_model(hp)`, an entry point, and
the refusals (a module that fails to import, a module changed since the search)."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from search.cli import main
from search.tracking import schema
from tests.conftest import files_under

pytestmark = pytest.mark.slow

MODULE = '''
import keras
from spaces import register_space


@keras.saving.register_keras_serializable(package="my_spaces")
class ScaledDense(keras.layers.Layer):
    """The layer-pattern guide's custom-layer template: a dense layer with a learned scale."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
        self.scale = self.add_weight(shape=(), initializer="ones")

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.w) * self.scale

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@register_space("NAME", "image")
def build(hp, inputs, spec):
    """units: 8..16 step 8, the width of the one hidden layer."""
    x = keras.layers.Flatten()(inputs)
    return keras.layers.ReLU()(ScaledDense(hp.Int("units", 8, 16, step=8))(x))
'''

FUNCTION = """
import keras


def build_model(hp):
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Rescaling(1 / 16),
        keras.layers.Flatten(),
        keras.layers.Dense(hp.Choice("width", [8, 16]), activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""


def _write(folder: Path, space: dict, tuner: dict | None = None) -> Path:
    path = folder / "mine.yaml"
    experiment = {
        "dataset": {"name": "sklearn_digits"},
        "space": space,
        "tuner": {"kind": "random", "max_trials": 1, **(tuner or {})},
        "training": {"epochs": 1},
    }
    path.write_text(yaml.safe_dump(experiment))
    return path


def _invoke(root: Path, *args: str):
    uri = f"sqlite:///{root / 'mlflow.db'}"
    return CliRunner().invoke(main, [*args, "--tracking-uri", uri])


def _run(root: Path, experiment: Path, tfds_dir: Path, *extra: str):
    return _invoke(
        root, "run", str(experiment), "--data-dir", str(tfds_dir),
        "--output-dir", str(root / "runs"), "--quiet", *extra,
    )  # fmt: skip


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _parent(root: Path):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{root / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("mine")
    runs = client.search_runs(
        [experiment.experiment_id], filter_string=f"tags.`{schema.KIND}` = '{schema.SEARCH}'"
    )
    return client, runs[0]


def test_a_module_file_outside_the_project_is_trained_by_a_worker_process_and_its_changes_refused(
    tmp_path, tfds_dir
) -> None:
    """A parallel search: its one trial trained by a `search worker` process that imports the
    module from the path the search recorded."""
    mine = tmp_path / "elsewhere"
    mine.mkdir()
    module = mine / "my_spaces.py"
    module.write_text(MODULE.replace("NAME", "my-dense"))
    experiment = _write(mine, {"name": "my-dense", "module": "./my_spaces.py"})

    result = _run(tmp_path, experiment, tfds_dir, "--workers", "1")
    assert result.exit_code == 0, result.output

    client, parent = _parent(tmp_path)
    (trial,) = client.search_runs(
        [parent.info.experiment_id], filter_string=f"tags.`{schema.KIND}` = '{schema.TRIAL}'"
    )
    assert trial.info.status == "FINISHED" and "val_accuracy" in trial.data.metrics
    assert trial.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert trial.data.tags[schema.WORKER_TAG].startswith("worker"), trial.data.tags
    assert trial.data.params["units"] in ("8", "16")
    digest = _sha256(module)
    assert parent.data.tags[schema.SPACE_ORIGIN_TAG] == str(module.resolve())
    assert parent.data.tags[schema.SPACE_DIGEST_TAG] == digest
    logged = client.download_artifacts(
        parent.info.run_id, f"{schema.SPACE_SOURCE_DIR}/my_spaces.py"
    )
    assert Path(logged).read_text() == module.read_text()

    shown = CliRunner().invoke(
        main, ["space", "show", str(experiment), "--data-dir", str(tfds_dir)]
    )
    assert "  units " in shown.output, shown.output

    import mlflow
    import numpy as np

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    champion = mlflow.pyfunc.load_model("models:/mine@champion")  # ScaledDense is registered
    assert champion.predict(np.zeros((2, 8, 8, 1), "float32")).shape == (2, 10)

    trained = _invoke(tmp_path, "train", parent.info.run_id, "--epochs", "1")
    assert trained.exit_code == 0, trained.output

    exported = tmp_path / "best.yaml"
    assert _invoke(tmp_path, "export", parent.info.run_id, "--to", str(exported)).exit_code == 0
    recorded = yaml.safe_load(exported.read_text())["space"]
    assert (recorded["module"], recorded["digest"]) == (str(module.resolve()), digest)

    module.write_text(module.read_text() + "\n# changed\n")
    before = files_under(tmp_path)
    warm = _run(tmp_path, experiment, tfds_dir, "--warm-start", parent.info.run_id)
    assert warm.exit_code == 2
    assert warm.output == (
        f"error: space module {module.resolve()} differs from the one the search recorded "
        f"(sha256 {digest[:12]}, here {_sha256(module)[:12]}): use the module the search ran "
        "with\n"
    )
    assert files_under(tmp_path) == before
    from_file = _invoke(tmp_path, "train", str(exported), "--epochs", "1")
    assert from_file.exit_code == 2
    assert from_file.output.startswith(f"error: space module {module.resolve()} changed since")
    refused = _invoke(tmp_path, "train", parent.info.run_id, "--epochs", "1")
    assert refused.exit_code == 2
    assert refused.output.startswith(f"error: space module {module.resolve()} changed since")
    assert len(refused.output.strip().splitlines()) == 1

    module.unlink()  # a worker on a host without the module does not join
    before = files_under(tmp_path)
    worker = _invoke(
        tmp_path, "worker", "--chief", "127.0.0.1:1", "--parent-run", parent.info.run_id,
        "--data-dir", str(tfds_dir),
    )  # fmt: skip
    assert worker.exit_code == 2, worker.output
    assert worker.stderr == f"error: space module not found: {module.resolve()}\n"
    assert files_under(tmp_path) == before


def test_a_compiled_build_model_is_used_as_it_is(tmp_path, tfds_dir) -> None:
    (tmp_path / "my_model.py").write_text(FUNCTION)
    experiment = _write(tmp_path, {"function": "./my_model.py:build_model"})
    shown = CliRunner().invoke(
        main, ["space", "show", str(experiment), "--data-dir", str(tfds_dir)]
    )
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines()[-3:] == [
        "space build-model: 1 hyperparameters",
        "  width  one of 8, 16",
        "parameters: smallest model 610, largest model 1,210",  # the model as it is compiled
    ]
    result = _run(tmp_path, experiment, tfds_dir)
    assert result.exit_code == 0, result.output
    _, parent = _parent(tmp_path)
    assert parent.data.tags[schema.SPACE_ORIGIN_TAG].endswith("my_model.py:build_model")
    assert parent.data.params["space.name"] == "build-model"
    trained = _invoke(tmp_path, "train", parent.info.run_id, "--epochs", "1")
    assert trained.exit_code == 0, trained.output


def test_an_objective_that_is_not_a_metric_of_the_compiled_model_is_refused(
    tmp_path, tfds_dir
) -> None:
    (tmp_path / "my_model.py").write_text(FUNCTION)
    experiment = _write(
        tmp_path, {"function": "./my_model.py:build_model"}, {"objective": "val_auc"}
    )
    before = files_under(tmp_path)
    result = _run(tmp_path, experiment, tfds_dir)
    assert result.exit_code == 2
    assert result.output == (
        "error: tuner.objective 'val_auc' is not a metric of the compiled model; choose "
        "between: loss, val_loss, accuracy, val_accuracy\n"
    )
    assert files_under(tmp_path) == before


def test_a_module_that_fails_to_import_is_one_line_naming_file_and_line(tmp_path, tfds_dir) -> None:
    (tmp_path / "broken.py").write_text("import keras\n\nraise RuntimeError('boom')\n")
    experiment = _write(tmp_path, {"name": "x", "module": "./broken.py"})
    before = files_under(tmp_path)
    result = _run(tmp_path, experiment, tfds_dir)
    assert result.exit_code == 2
    assert result.output == (
        f"error: space module {tmp_path.resolve() / 'broken.py'}:3 failed to import: "
        "RuntimeError: boom\n"
    )
    assert files_under(tmp_path) == before


PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "search-test-offered-spaces"
version = "1.0"

[tool.setuptools]
py-modules = ["search_test_offered_spaces"]

[project.entry-points."search.spaces"]
offered = "search_test_offered_spaces"
"""
OFFERED = "search_test_offered_spaces"


@pytest.fixture
def offered_package(tmp_path: Path):
    """A package written as its author would, really installed into this interpreter's
    environment (offline: no dependencies, no build isolation), uninstalled whatever happens.
    Yields the installed module's file."""
    import importlib
    import importlib.util
    import subprocess

    source = tmp_path / "offered-package"
    source.mkdir()
    (source / "pyproject.toml").write_text(PYPROJECT)
    (source / f"{OFFERED}.py").write_text(
        MODULE.replace("NAME", "offered-dense").replace("my_spaces", "offered")
    )
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    try:
        subprocess.run(
            [*pip, "install", "--no-deps", "--no-build-isolation", "--no-index", str(source)],
            check=True, capture_output=True, text=True, cwd=tmp_path,
        )  # fmt: skip
        importlib.invalidate_caches()
        spec = importlib.util.find_spec(OFFERED)
        assert spec is not None and spec.origin is not None
        yield Path(spec.origin)
    finally:
        subprocess.run([*pip, "uninstall", "-y", "search-test-offered-spaces"], check=False)
        sys.modules.pop(OFFERED, None)
        importlib.invalidate_caches()


def test_a_package_installed_with_an_entry_point_is_searched_retrained_and_its_changes_refused(
    tmp_path, tfds_dir, offered_package
) -> None:
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 0, result.output
    origin = f"entry point offered ({OFFERED})"
    assert f"  offered-dense (image; {origin})" in result.output
    assert "  image-cnn (image; built-in)" in result.output

    searched = _run(tmp_path, _write(tmp_path, {"name": "offered-dense"}), tfds_dir)
    assert searched.exit_code == 0, searched.output
    client, parent = _parent(tmp_path)
    digest = _sha256(offered_package)
    assert parent.data.tags[schema.SPACE_ORIGIN_TAG] == origin
    assert parent.data.tags[schema.SPACE_DIGEST_TAG] == digest
    logged = client.download_artifacts(
        parent.info.run_id, f"{schema.SPACE_SOURCE_DIR}/{OFFERED}.py"
    )
    assert Path(logged).read_text() == offered_package.read_text()

    trained = _invoke(tmp_path, "train", parent.info.run_id, "--epochs", "1")
    assert trained.exit_code == 0, trained.output

    offered_package.write_text(offered_package.read_text() + "\n# a new release\n")
    before = files_under(tmp_path)
    refused = _invoke(tmp_path, "train", parent.info.run_id, "--epochs", "1")
    assert refused.exit_code == 2
    assert refused.output == (
        f"error: space module {offered_package} changed since the search recorded it (sha256 "
        f"{digest[:12]}, now {_sha256(offered_package)[:12]}): restore it or start a new search\n"
    )
    assert files_under(tmp_path) == before


def test_an_importable_module_is_found_on_the_path_and_digested(tmp_path, monkeypatch) -> None:
    from search.experiment import load_experiment
    from spaces import resolve_space

    package = tmp_path / "pkg_spaces"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "spaces.py").write_text(
        MODULE.replace("NAME", "pkg-dense").replace("my_spaces", "pkg_spaces")
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    experiment = _write(tmp_path, {"name": "pkg-dense", "module": "pkg_spaces.spaces"})

    space = load_experiment(str(experiment)).space
    assert space.module == "pkg_spaces.spaces"
    assert space.digest == hashlib.sha256((package / "spaces.py").read_bytes()).hexdigest()
    found = resolve_space(space)
    assert (found.name, found.origin) == ("pkg-dense", "module pkg_spaces.spaces")
    sys.modules.pop("pkg_spaces.spaces", None)
    sys.modules.pop("pkg_spaces", None)


FAILS_IN_TRAINING = """
import keras
from spaces import register_space


class Broken(keras.layers.Layer):
    def call(self, inputs, training=None):
        if training:
            raise ValueError("a bug in training")
        return inputs


@register_space("broken-dense", "image")
def build(hp, inputs, spec):
    x = keras.layers.Flatten()(inputs)
    return Broken()(keras.layers.Dense(hp.Int("units", 8, 16, step=8))(x))
"""


def test_resuming_a_search_whose_module_changed_is_refused_in_one_line(tmp_path, tfds_dir) -> None:
    """A search whose only trial failed is left to resume; the module fixed since is another
    space, so resuming is refused (with --fresh named) rather than mixing trials of both."""
    module = tmp_path / "broken_spaces.py"
    module.write_text(FAILS_IN_TRAINING)
    experiment = _write(tmp_path, {"name": "broken-dense", "module": "./broken_spaces.py"})
    failed = _run(tmp_path, experiment, tfds_dir)
    assert failed.exit_code == 1 and "no trial completed (1 failed)" in failed.output
    recorded = _sha256(module)

    module.write_text(FAILS_IN_TRAINING.replace('raise ValueError("a bug in training")', "pass"))
    before = files_under(tmp_path)
    refused = _run(tmp_path, experiment, tfds_dir)
    assert refused.exit_code == 2
    assert refused.output == (
        f"error: space module {module.resolve()} differs from the one the search recorded (sha256 "
        f"{recorded[:12]}, here {_sha256(module)[:12]}): restore it to resume, or give --fresh "
        "to start a new search\n"
    )
    assert files_under(tmp_path) == before


def test_resuming_or_warm_starting_with_another_version_of_the_module_is_refused() -> None:
    from search.errors import ConfigError
    from search.space_source import check_recorded

    check_recorded("/m.py", "a" * 64, "a" * 64)
    check_recorded(None, None, None)  # a built-in space records no digest
    with pytest.raises(ConfigError) as refused:
        check_recorded("/m.py", "b" * 64, "a" * 64)
    assert str(refused.value) == (
        "space module /m.py differs from the one the search recorded (sha256 aaaaaaaaaaaa, "
        "here bbbbbbbbbbbb): use the module the search ran with"
    )


def test_a_function_the_module_lacks_is_refused(tmp_path) -> None:
    from search.errors import ConfigError
    from search.experiment import load_experiment
    from spaces import resolve_space

    (tmp_path / "other_model.py").write_text(FUNCTION)
    experiment = _write(tmp_path, {"function": "./other_model.py:make_model"})
    with pytest.raises(ConfigError, match="other_model.py has no function 'make_model'$"):
        resolve_space(load_experiment(str(experiment)).space)
