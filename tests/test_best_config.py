"""A best configuration written from a Hyperband search retrains: keras-tuner's bookkeeping
values (`tuner/epochs`, `tuner/bracket`, ...) ride with its trials' hyperparameters, and the
space refused them as unknown hyperparameters in `search train`."""

from __future__ import annotations

import keras_tuner as kt

from search.best_config import best_experiment
from search.experiment import load_experiment
from search.reuse.sources import resolve_source
from search.reuse.train import build_fixed
from search.tuning.prepare import prepare

HYPERBAND_BOOKKEEPING = {  # a promoted Hyperband trial's, as keras-tuner sets them
    "tuner/epochs": 3,
    "tuner/initial_epoch": 1,
    "tuner/bracket": 1,
    "tuner/round": 1,
    "tuner/trial_id": "0003",
}


def test_a_hyperband_trials_best_configuration_builds_without_its_bookkeeping(
    tfds_dir, tmp_path
) -> None:
    experiment = load_experiment("image-cnn").with_overrides(
        **{"dataset.data_dir": str(tfds_dir), "output_dir": str(tmp_path / "runs")}
    )
    _, hypermodel = prepare(experiment)
    hp = kt.HyperParameters()
    hypermodel.build_declaring(hp)  # the space's defaults
    values = dict(hp.values)
    path = tmp_path / "best.yaml"
    path.write_text(best_experiment(experiment, {**values, **HYPERBAND_BOOKKEEPING}).to_yaml())

    source = resolve_source(str(path))
    assert not any(name.startswith("tuner/") for name in source.experiment.space.hyperparameters)
    _, rebuilt = build_fixed(prepare(source.experiment)[1])
    assert rebuilt == values
