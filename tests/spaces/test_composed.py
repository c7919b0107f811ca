"""Spaces written in the experiment file: names, refusals (one line, exit 2, nothing
written), and `search space show`."""

from __future__ import annotations

import keras_tuner as kt
import pytest
import yaml

from search.cli import main
from search.data.spec import DataSpec
from search.tuning.hypermodel import SpaceHyperModel
from search.tuning.space_summary import summarize
from spaces.composed import composed_space
from tests.conftest import files_under

DIGITS = DataSpec("sklearn_digits", "1.0.0", "image", (8, 8, 1), 10, tuple("0123456789"))
CONV = {"conv": {"filters": 8, "kernel_size": 3}}
HEAD = {"reshaping_head": {"kind": "flatten"}}


def _experiment(blocks: list) -> dict:
    return {
        "dataset": {"name": "sklearn_digits"},
        "space": {"name": "mine", "blocks": blocks},
        "tuner": {"kind": "random", "max_trials": 1},
        "training": {"epochs": 1},
    }


REFUSALS = {
    "unknown block": (
        [{"cnv": {"filters": 8}}],
        "error: space.blocks: block 1: unknown block 'cnv'; did you mean 'conv'?",
    ),
    "unknown argument": (
        [CONV, {"dense": {"unit": 32}}],
        "error: space.blocks: block 2 (dense, scope dense_2): unknown argument 'unit'; "
        "did you mean 'units'?",
    ),
    "unknown argument inside a repeat": (
        [{"repeat": {"name": "stage", "times": [1, 2], "blocks": [{"conv": {"filter": 8}}]}}],
        "error: space.blocks: block 1.1 (conv, scope stage/<copy>/conv_1): unknown argument "
        "'filter'; did you mean 'filters'?",
    ),
    "attention on images": (
        [CONV, {"self_attention": {"num_heads": 2, "key_dim": 8}}, HEAD],
        "error: space.blocks: block 2 (self_attention, scope self_attention_2): needs a "
        "sequence (batch, steps, width), but gets a 4-D feature map (batch, height, width, "
        "channels); put a reshape before it",
    ),
    "groups that do not divide the width": (
        [
            {"conv": {"filters": [16, 20], "kernel_size": 3, "norm": "group", "groups": [4, 8]}},
            HEAD,
        ],
        "error: space.blocks: block 1 (conv, scope conv_1): group normalization needs groups "
        "to divide the width, but got width 20 with groups=8",
    ),
    "image smaller than 1 pixel": (
        [{"repeat": {"name": "stage", "times": {"min": 1, "max": 4}, "blocks": [CONV]}}, HEAD],
        "error: space.blocks: block 1.1 (conv, scope stage/<copy>/conv_1): pooling makes the "
        "1x1 image smaller than 1 pixel with some choice of the blocks before it; set pool: "
        "false here or use fewer blocks",
    ),
    "two blocks with one name": (
        [
            {"conv": {"name": "stem", "filters": 8, "kernel_size": 3}},
            {"dense": {"name": "stem", "units": 8}},
        ],
        "error: space.blocks: block 2 (dense, scope stem): another block has this scope; give "
        "each block its own `name`",
    ),
    "no vector for the head": (
        [CONV],
        "error: space.blocks: the last block gives a 4-D feature map (batch, height, width, "
        "channels), but the task's head needs a vector (batch, width): end with a "
        "reshaping_head or a recurrent block",
    ),
    "a value of the wrong kind": (
        [{"conv": {"filters": 8, "kernel_size": 3, "norm": "batchnorm"}}],
        "error: space.blocks: block 1 (conv, scope conv_1): norm: expected batch, layer, "
        "group, none, got 'batchnorm'",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_space_that_cannot_be_built_is_refused_before_anything_is_written(
    case, runner, tmp_path, monkeypatch, tfds_dir
) -> None:
    blocks, expected = REFUSALS[case]
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(_experiment(blocks)))
    before = files_under(tmp_path)
    result = runner.invoke(main, ["run", str(path), "--data-dir", str(tfds_dir)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [expected]
    assert files_under(tmp_path) == before  # no mlflow.db, no search-runs, nothing


def test_hyperparameter_names_follow_scopes_and_repeats_are_conditional() -> None:
    blocks = [
        {"conv": {"name": "stem", "filters": [8, 16], "kernel_size": 3, "pool": False}},
        {
            "repeat": {
                "name": "stage",
                "times": {"min": 1, "max": 2},
                "blocks": [{"residual": [{"conv": {"filters": [8, 16], "kernel_size": 3}}]}],
            }
        },
        {"reshaping_head": {"kind": "global_average"}},
        {"dense": {"units": {"min": 16, "max": 64, "step": 16}, "dropout_rate": [0.0, 0.5]}},
    ]
    summary = summarize(SpaceHyperModel(composed_space("mine", blocks), DIGITS))
    shown = {h.name: (h.values, h.condition) for h in summary.hyperparameters}
    assert shown == {
        "stem/filters": ("one of 8, 16", ""),
        "stage/times": ("int 1..2", ""),
        "stage/1/residual_1/conv_1/filters": ("one of 8, 16", ""),
        "stage/2/residual_1/conv_1/filters": ("one of 8, 16", "stage/times = 2"),
        "dense_4/units": ("int 16..64, step 16", ""),
        "dense_4/dropout_rate": ("one of 0.0, 0.5", ""),
        "learning_rate": ("float 0.0001..0.01, log sampling", ""),
    }
    assert 0 < summary.smallest < summary.largest


def test_attention_on_images_builds_after_a_reshape() -> None:
    blocks = [
        {"conv": {"filters": 8, "kernel_size": 3, "pool": False}},
        {"reshape": {"shape": [64, 8]}},
        {"self_attention": {"num_heads": 2, "key_dim": 4}},
        {"reshaping_head": {"kind": "global_average"}},
    ]
    space = composed_space("mine", blocks)
    assert space.check is not None
    space.check(DIGITS)
    model = SpaceHyperModel(space, DIGITS).build(kt.HyperParameters())
    assert model.output_shape == (None, 10)


def test_space_show_prints_every_hyperparameter_and_model_sizes(runner, tfds_dir) -> None:
    result = runner.invoke(main, ["space", "show", "residual-cnn", "--data-dir", str(tfds_dir)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("space residual-cnn: "))
    rows = lines[start + 1 : -1]
    assert lines[start] == f"space residual-cnn: {len(rows)} hyperparameters"
    assert "  stage/times" in [row[: len("  stage/times")] for row in rows]
    conditional = [r for r in rows if "stage/2/" in r]
    assert conditional and all(r.endswith("(only if stage/times = 2)") for r in conditional)
    assert lines[-1].startswith("parameters: smallest model ")


def test_space_hyperparameters_narrow_a_blocks_space_by_its_names() -> None:
    from search.errors import ConfigError
    from search.experiment import HyperparameterOverride
    from search.tuning.hypermodel import check_overrides

    blocks = [
        {"conv": {"name": "stem", "filters": [8, 16], "kernel_size": 3}},
        {"reshaping_head": {"kind": "flatten"}},
    ]
    space = composed_space("mine", blocks)
    fixed = {"stem/filters": HyperparameterOverride(fixed=16)}
    hp = kt.HyperParameters()
    SpaceHyperModel(space, DIGITS, fixed).build(hp)
    assert hp.values["stem/filters"] == 16
    with pytest.raises(ConfigError, match="unknown hyperparameter of space 'mine' 'stem/filter'"):
        check_overrides(
            SpaceHyperModel(space, DIGITS, {"stem/filter": HyperparameterOverride(fixed=16)})
        )
