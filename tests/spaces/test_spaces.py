"""Every space, under every value of every choice: builds, trains a step, and reloads elsewhere.

The reload happens in a fresh Python process with plain `keras.saving.load_model` (no
custom_objects); importing `spaces` there registers the custom layers, as a user would.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

from search.data.spec import DataSpec, TableColumn, TableEncoding, TextEncoding
from search.errors import SpaceMismatchError
from search.experiment import available_experiments, load_experiment
from search.tuning.hypermodel import SpaceHyperModel, check_overrides
from spaces import SPACES, resolve_space
from tests.spaces.covering import choices, covering_builds

DIGITS = DataSpec("sklearn_digits", "1.0.0", "image", (8, 8, 1), 10, tuple("0123456789"))
IMAGES = np.random.default_rng(0).integers(0, 256, size=(4, 8, 8, 1)).astype("float32")
REVIEWS = DataSpec(
    "tiny_reviews",
    "1.0.0",
    "text",
    (),
    2,
    ("negative", "positive"),
    text=TextEncoding(
        vocabulary=("good", "bad", "book", "very", "not"), split="whitespace", sequence_length=6
    ),
)
TEXTS = np.array(  # Keras takes text as an object array of str
    ["very good book", "not good", "bad bad book, very bad", "unknown words here"], dtype=object
)
PLANTS = DataSpec(
    "plants",
    "1",
    "table",
    (3,),
    2,
    ("a", "b"),
    table=TableEncoding(
        columns=(
            TableColumn("height", "numeric", mean=2.0, variance=4.0, fill=2.0),
            TableColumn("colour", "categorical", vocabulary=("blue", "red")),
            TableColumn("year", "categorical", integer=True, vocabulary=("2007", "2008")),
        ),
        label="kind",
    ),
)
ROWS = {  # raw columns: a missing number (NaN), a missing and an unseen category
    "height": np.array([[1.0], [np.nan], [3.0], [4.0]], dtype="float32"),
    "colour": np.array([["red"], [""], ["green"], ["blue"]], dtype=object),
    "year": np.array([[2007.0], [2008.0], [np.nan], [2009.0]], dtype="float32"),
}
MEASUREMENTS = DataSpec("tiny_vectors", "1.0.0", "vector", (5,), 3, ("a", "b", "c"))
VECTORS = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
DATA = {
    "image": (DIGITS, IMAGES),
    "text": (REVIEWS, TEXTS),
    "table": (PLANTS, ROWS),
    "vector": (MEASUREMENTS, VECTORS),
}

RELOAD = """
import sys
from pathlib import Path
from typing import Any

import keras
import numpy as np

import spaces  # registers the custom layers; nothing else is needed to load

folder = Path(sys.argv[1])
for path in sorted(folder.glob("*.keras")):
    model = keras.saving.load_model(path)
    inputs = np.load(folder / f"{path.stem.split('-')[0]}.inputs.npy", allow_pickle=True)
    inputs = inputs.item() if inputs.ndim == 0 else inputs  # a table's dict of columns
    np.save(folder / f"{path.stem}.reloaded.npy", model.predict_on_batch(inputs))
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Each space's covering builds, one training step each, saved as .keras + predictions.

    Returns the folder and, per space, the active values of each build and every
    hyperparameter entry seen.
    """
    folder = tmp_path_factory.mktemp("models")
    found: dict[str, Any] = {}
    for name in SPACES.names():
        space = SPACES.get(name)
        spec, inputs = DATA[space.modality]
        stem = name.replace("-", "_")
        np.save(folder / f"{stem}.inputs.npy", inputs, allow_pickle=True)
        entries: dict[str, Any] = {}
        builds = []
        for i, (values, model) in enumerate(covering_builds(SpaceHyperModel(space, spec), entries)):
            model.run_eagerly = True  # tiny models: one eager step beats tracing a graph
            rows = len(next(iter(inputs.values()))) if isinstance(inputs, dict) else len(inputs)
            model.train_on_batch(inputs, np.arange(rows) % spec.num_classes)
            assert model.output_shape == (None, spec.num_classes)
            model.save(folder / f"{stem}-{i}.keras")
            np.save(folder / f"{stem}-{i}.predicted.npy", model.predict_on_batch(inputs))
            builds.append(values)
        found[name] = {"builds": builds, "entries": entries}
    return folder, found


CHOICES_NAMED_IN_THE_ISSUE = {
    "image-cnn": {"normalization": ["batch", "layer", "group", "none"], "groups": [2, 4, 8]},
    "image-resnet": {
        "normalization": ["batch", "layer", "group", "none"],
        "activation": ["relu", "gelu", "swish"],
        "pooling": ["max", "average"],
    },
    "image-mlp": {"normalization": ["none", "batch", "layer", "group"], "groups": [2, 4, 8]},
    "vector-mlp": {"normalization": ["none", "batch", "layer", "group"], "groups": [2, 4, 8]},
    "text-rnn": {"recurrent_cell": ["lstm", "gru"], "bidirectional": [False, True]},
    "text-transformer": {"head": ["global_average", "global_max", "flatten"]},
    "tabular-mlp": {"normalization": ["none", "batch", "layer"], "dense_layers": [1, 2, 3]},
}


@pytest.mark.parametrize("name", SPACES.names())
def test_builds_use_every_value_of_every_choice(name: str, trained) -> None:
    _, found = trained
    built = {(k, v) for values in found[name]["builds"] for k, v in values.items()}
    for hp_name, entry in found[name]["entries"].items():
        for value in choices(entry):
            assert (hp_name, value) in built, f"{name}: {hp_name}={value!r} never built"
    for hp_name, values in CHOICES_NAMED_IN_THE_ISSUE[name].items():
        assert choices(found[name]["entries"][hp_name]) == values
    assert len(found[name]["builds"]) <= 8  # few builds, not the product of all choices


def test_every_build_reloads_in_a_fresh_process_with_the_same_predictions(trained) -> None:
    folder, used = trained
    done = subprocess.run(
        [sys.executable, "-c", RELOAD, str(folder)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    saved = sorted(folder.glob("*.keras"))
    assert len(saved) == sum(len(v["builds"]) for v in used.values())
    for path in saved:
        np.testing.assert_allclose(
            np.load(folder / f"{path.stem}.reloaded.npy"),
            np.load(folder / f"{path.stem}.predicted.npy"),
            rtol=1e-5,
            atol=1e-6,
            err_msg=path.stem,
        )


def test_text_models_take_raw_strings_and_carry_their_vocabulary(trained) -> None:
    folder, _ = trained
    model = keras.saving.load_model(folder / "text_rnn-0.keras")
    vectorize = model.get_layer("vectorize")
    assert vectorize.get_vocabulary()[2:] == list(REVIEWS.text.vocabulary)
    ids = np.asarray(vectorize(np.array(["very good", "zebra"], dtype=object)))
    assert ids.tolist() == [[5, 2, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]]  # 0 pads, 1 is unknown
    assert model.predict(np.array(["not bad at all"], dtype=object), verbose=0).shape == (1, 2)


@pytest.mark.parametrize("name", SPACES.names())
def test_docstring_lists_every_hyperparameter(name: str, trained) -> None:
    _, found = trained
    description = SPACES.get(name).description
    for hp_name in set(found[name]["entries"]):
        pattern = re.sub(r"_\d+/", "_<i>/", hp_name)
        assert f"- {pattern}:" in description, hp_name


@pytest.mark.parametrize("name", SPACES.names())
def test_a_space_refuses_data_of_the_other_modality(name: str) -> None:
    space = SPACES.get(name)
    other = DIGITS if space.modality == "text" else REVIEWS
    with pytest.raises(
        SpaceMismatchError,
        match=f"space '{name}' takes {space.modality} data, but dataset '{other.name}' "
        f"holds {other.modality} data",
    ):
        SpaceHyperModel(space, other)


@pytest.mark.parametrize("experiment", sorted(available_experiments()))
def test_each_experiment_narrows_only_hyperparameters_its_space_declares(experiment: str) -> None:
    loaded = load_experiment(experiment)
    space = resolve_space(loaded.space)
    overrides = loaded.space.hyperparameters
    seen = check_overrides(SpaceHyperModel(space, DATA[space.modality][0], overrides))
    assert set(overrides) <= seen
