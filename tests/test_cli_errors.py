"""Bad input: one line on stderr, the right exit code, and nothing written."""

from __future__ import annotations

import pytest
import yaml

from search.cli import main
from tests.conftest import files_under

GOOD = {
    "dataset": {"name": "sklearn_digits"},
    "space": {"name": "image-cnn"},
    "tuner": {"kind": "random", "max_trials": 1},
    "training": {"epochs": 1},
}


def _with(**sections):
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    for dotted, value in sections.items():
        *parents, leaf = dotted.split("__")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return data


CASES = {
    "unknown experiment": (
        None,
        ["run", "image-cn"],
        2,
        "error: unknown experiment 'image-cn'. Did you mean 'image-cnn'? Choose between: ",
    ),
    "missing file": (
        None,
        ["run", "nowhere/exp.yaml"],
        2,
        "error: experiment file not found: nowhere/exp.yaml",
    ),
    "malformed yaml": (
        "space: {name: image-cnn\n",
        ["run", "{path}"],
        2,
        "error: {path}: malformed YAML (line 2, column 1): "
        "expected ',' or '}}', but got '<stream end>'",
    ),
    "unknown key": (
        _with(tuner__max_trails=3),
        ["run", "{path}"],
        2,
        "error: {path}: unknown key 'tuner.max_trails'; did you mean 'max_trials'?",
    ),
    "wrong type": (
        _with(training__epochs="ten"),
        ["run", "{path}"],
        2,
        "error: {path}: training.epochs: Input should be a valid integer, unable to parse "
        "string as an integer (got 'ten')",
    ),
    "negative epochs": (
        _with(training__epochs=-1),
        ["run", "{path}"],
        2,
        "error: {path}: training.epochs: Input should be greater than or equal to 1 (got -1)",
    ),
    "max_trials 0": (
        _with(tuner__max_trials=0),
        ["run", "{path}"],
        2,
        "error: {path}: tuner.max_trials: Input should be greater than or equal to 1 (got 0)",
    ),
    "dropout outside [0, 1)": (
        _with(space__hyperparameters={"dropout": {"min": 0.2, "max": 1.5}}),
        ["run", "{path}"],
        2,
        "error: {path}: space.hyperparameters: 'dropout' must lie in [0, 1), but got max=1.5",
    ),
    "dropout of 1": (
        _with(space__hyperparameters={"spatial_dropout": 1.0}),
        ["run", "{path}"],
        2,
        "error: {path}: space.hyperparameters: 'spatial_dropout' must lie in [0, 1), "
        "but got fixed=1.0",
    ),
    "negative learning rate": (
        _with(space__hyperparameters={"learning_rate": [0.01, -0.1]}),
        ["run", "{path}"],
        2,
        "error: {path}: space.hyperparameters: 'learning_rate' must lie in (0, inf), "
        "but got values[1]=-0.1",
    ),
    "range with min > max": (
        _with(space__hyperparameters={"dense_units": {"min": 128, "max": 32}}),
        ["run", "{path}"],
        2,
        "error: {path}: space.hyperparameters.dense_units: `min <= max` must hold, "
        "but got (min=128.0, max=32.0)",
    ),
    "max-trials 0 option": (
        GOOD,
        ["run", "{path}", "--max-trials", "0"],
        2,
        "error: Invalid value for '--max-trials': 0 is not in the range x>=1. "
        "(see 'main run --help')",
    ),
    "unwritable output directory": (
        GOOD,
        ["run", "{path}", "--output-dir", "{path}/runs"],
        2,
        "error: output directory {path}/runs/exp is not writable (at {path})",
    ),
    "tracking server unreachable": (
        GOOD,
        ["run", "{path}", "--data-dir", "{tfds}", "--tracking-uri", "http://127.0.0.1:9"],
        1,
        "error: cannot reach the MLflow tracking store at http://127.0.0.1:9: ",
    ),
    "unknown tuner in file": (
        _with(tuner__kind="bayes"),
        ["run", "{path}"],
        2,
        "error: unknown tuner 'bayes'. Did you mean 'bayesian'? "
        "Choose between: asha, bayesian, grid, hyperband, random",
    ),
    "unknown space": (
        _with(space__name="image-rnn"),
        ["run", "{path}"],
        2,
        "error: unknown space 'image-rnn'. Did you mean 'image-cnn'? Choose between: ",
    ),
    "unknown tracking scheme": (
        GOOD,
        ["run", "{path}", "--tracking-uri", "sqlit:///x.db"],
        2,
        "error: tracking URI 'sqlit:///x.db' has an unknown scheme 'sqlit'; use one of: ",
    ),
    "unknown hyperparameter": (
        _with(space__hyperparameters={"dense_unit": 64}),
        ["run", "{path}", "--data-dir", "{tfds}"],
        2,
        "error: space.hyperparameters: unknown hyperparameter of space 'image-cnn' "
        "'dense_unit'. Did you mean 'dense_units'?",
    ),
    "unknown dataset": (
        _with(dataset__name="digitz"),
        ["run", "{path}"],
        2,
        "error: unknown TFDS dataset 'digitz'.",
    ),
    "missing split": (
        _with(dataset__validation_split="dev"),
        ["run", "{path}", "--data-dir", "{tfds}"],
        2,
        "error: dataset 'sklearn_digits' has no split 'dev'; it has: ",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_one_line_and_writes_nothing(
    case, runner, tmp_path, monkeypatch, tfds_dir
) -> None:
    content, args, code, expected = CASES[case]
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "exp.yaml"
    if content is not None:
        path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    before = files_under(tmp_path)
    args = [a.format(path=path, tfds=tfds_dir) for a in args]
    result = runner.invoke(main, args)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == code, result.output
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(expected.format(path=path)), lines[0]
    assert files_under(tmp_path) == before  # no mlflow.db, no search-runs, nothing


def test_unknown_tuner_option_is_a_usage_error(runner) -> None:
    result = runner.invoke(main, ["run", "image-cnn", "--tuner", "bayes"])
    assert result.exit_code == 2
    assert (
        "Invalid value for '--tuner': 'bayes' is not one of "
        "'asha', 'bayesian', 'grid', 'hyperband', 'random'" in result.stderr
    )


def test_debug_shows_the_traceback(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["run", "image-cn", "--debug"])
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and "UnknownNameError" in result.stderr


@pytest.mark.parametrize(
    ("interrupted", "line"),
    [
        (None, "interrupted"),
        ("search", "interrupted: run the same command again to resume the search"),
        ("train", "interrupted: the training run is marked KILLED; run the same command again"),
    ],
)
def test_ctrl_c_says_what_happens_next_for_the_command(capsys, interrupted, line) -> None:
    """Only a search resumes, so only `search run`/`worker` promise it; exit 130 as a shell
    expects after Ctrl-C."""
    from search.cli.common import INTERRUPTED, SEARCH_INTERRUPTED, user_errors
    from search.cli.train import TRAIN_INTERRUPTED

    message = {None: INTERRUPTED, "search": SEARCH_INTERRUPTED, "train": TRAIN_INTERRUPTED}
    with pytest.raises(SystemExit) as exit_info, user_errors(False, message[interrupted]):
        raise KeyboardInterrupt
    assert exit_info.value.code == 130
    assert capsys.readouterr().err.strip().startswith(line)
