"""The refit's rule of epochs and how it shrinks to the budget left (`search.refit`)."""

from __future__ import annotations

import pytest

from search.budget import describe_budget, refit_reserve, trials_deadline
from search.errors import ConfigError
from search.experiment import validate_experiment
from search.refit import affordable_epochs, refit_epochs, wanted_epochs


@pytest.mark.parametrize(
    ("best_epoch", "train", "validation", "max_epochs", "expected"),
    [
        (2, 1257, 270, 3, 4),  # 3 epochs x 1527/1257 = 3.6 -> 4
        (7, 45000, 5000, 8, 9),  # CIFAR-10: 8 x 50/45 = 8.9 -> 9
        (0, 100, 0, 5, 1),  # no validation split taken from train: the same epochs
        (0, 1000, 10, 1, 1),  # at least one epoch
        (9, 100, 100, 10, 20),  # twice the examples: twice the epochs, at the cap
    ],
)
def test_the_refit_trains_the_best_epoch_scaled_by_the_larger_set(
    best_epoch: int, train: int, validation: int, max_epochs: int, expected: int
) -> None:
    assert refit_epochs(best_epoch, train, validation, max_epochs) == expected


def test_the_refit_never_trains_past_the_epochs_times_the_factor() -> None:
    # a best step past training.epochs (a resumed search with fewer epochs) is capped
    assert refit_epochs(29, 100, 100, 10) == 20


def test_the_refit_shrinks_to_the_seconds_left() -> None:
    assert affordable_epochs(9, 100.0, 1000.0) == 9
    assert affordable_epochs(9, 100.0, 450.0) == 4
    assert affordable_epochs(9, 100.0, 99.0) == 0  # then it is skipped
    assert affordable_epochs(9, None, 1.0) == 9  # the pace unknown: the deadline stops it


def test_fill_takes_every_epoch_the_budget_allows_and_a_number_is_taken_as_given() -> None:
    experiment = validate_experiment({"name": "e", "space": {"name": "image-mlp"}}, "t")
    sizes = {"train": 1257, "validation": 270}
    assert wanted_epochs("best", 2, sizes, experiment) == 4  # 3 x 1527/1257
    assert wanted_epochs(12, 2, sizes, experiment) == 12
    assert wanted_epochs("fill", 2, sizes, experiment) is None
    assert affordable_epochs(None, 100.0, 1050.0) == 10
    assert affordable_epochs(12, 100.0, 1050.0) == 10


def test_fill_needs_a_budget_to_fill() -> None:
    base = {"name": "e", "space": {"name": "image-mlp"}}
    refit = {"enabled": True, "epochs": "fill"}
    with pytest.raises(ConfigError, match="fill needs tuner.max_seconds"):
        validate_experiment({**base, "tuner": {"refit": refit}}, "t")
    tuner = validate_experiment({**base, "tuner": {"refit": refit, "max_seconds": 60}}, "t").tuner
    assert tuner.refit.epochs == "fill"
    with pytest.raises(ConfigError, match="epochs"):
        validate_experiment({**base, "tuner": {"refit": {"enabled": True, "epochs": 0}}}, "t")


def test_the_budget_keeps_a_share_for_the_refit() -> None:
    # 1500 s: 120 s for finishing, 20% of the other 1380 s for the refit
    assert refit_reserve(1500, 0.2) == pytest.approx(276)
    assert trials_deadline(0.0, 1500, 0.2) == pytest.approx(1500 - 120 - 276)
    assert trials_deadline(0.0, 1500) == pytest.approx(1380)
    assert describe_budget(1500, 0.2) == (
        "1500 s for the whole command: 1104 s for data and trials, 276 s for the refit on "
        "train+validation, 120 s for the test evaluation, the model and the report"
    )


def test_refit_is_off_unless_asked_and_takes_a_bool() -> None:
    base = {"name": "e", "space": {"name": "image-mlp"}}
    assert validate_experiment(base, "t").tuner.refit.enabled is False
    on = validate_experiment({**base, "tuner": {"refit": True}}, "t").tuner.refit
    assert on.enabled and on.share == 0.2
    with pytest.raises(ConfigError, match="share"):
        validate_experiment({**base, "tuner": {"refit": {"enabled": True, "share": 0.95}}}, "t")


def test_the_refits_schedule_spans_its_own_steps() -> None:
    import keras
    import keras_tuner as kt

    from search.data.spec import DataSpec
    from search.experiment import TrainingConfig
    from search.recipe_config import RecipeConfig
    from search.tuning.hypermodel import SpaceHyperModel
    from spaces import SPACES

    spec = DataSpec("d", "1", "image", (8, 8, 1), 10, tuple("0123456789"), {"train": 80})
    recipe = RecipeConfig.model_validate({"lr_schedule": ["cosine"]})
    training = TrainingConfig(epochs=3, batch_size=8, recipe=recipe)
    hypermodel = SpaceHyperModel(SPACES.get("image-mlp"), spec, training=training)

    def total_steps() -> int:
        keras.backend.clear_session()
        schedule = hypermodel.build(kt.HyperParameters()).optimizer._learning_rate
        return int(schedule.decay_steps + schedule.warmup_steps)

    assert total_steps() == 10 * 3  # the trials': 80 examples in batches of 8, 3 epochs
    hypermodel.schedule_span = (96, 4)  # the refit's: train + validation, its epochs
    assert total_steps() == 12 * 4


def test_trials_explore_a_seeded_subset_of_train_the_same_each_epoch() -> None:
    import numpy as np
    import tensorflow as tf

    from search.data.subset import seeded_subset, subset_size

    labels = np.repeat(np.arange(10), 100)  # ordered by class, as a folder's split can be
    dataset = tf.data.Dataset.from_tensor_slices((np.arange(1000), labels))
    count = subset_size(1000, 0.1)
    subset = seeded_subset(dataset, 1000, count, seed=3)
    first = [int(x) for x, _ in subset]
    assert count == 100 and len(first) == 100 and int(subset.cardinality()) == 100
    assert first == sorted(first) and first == [int(x) for x, _ in subset]  # same every epoch
    assert len({int(y) for _, y in subset}) == 10  # not the first tenth: every class
    assert subset_size(5, 0.01) == 1 and seeded_subset(dataset, 1000, 1000, 3) is dataset


def test_trials_pipeline_takes_the_explored_fraction(tfds_dir) -> None:
    import math

    from search.experiment import validate_experiment
    from search.tuning.prepare import prepare
    from search.tuning.training import fit_arguments

    experiment = validate_experiment(
        {
            "name": "e",
            "dataset": {"name": "sklearn_digits", "data_dir": str(tfds_dir)},
            "space": {"name": "image-mlp"},
            "tuner": {"explore_fraction": 0.25},
        },
        "t",
    )
    data, _ = prepare(experiment)
    batches = sum(1 for _ in fit_arguments(experiment, data)["x"])
    assert batches == math.ceil(math.ceil(1257 * 0.25) / 32)


def test_the_refit_of_a_hyperband_round_builds_a_new_model_not_the_rounds_checkpoint() -> None:
    import keras_tuner as kt

    from search.refit import _build

    class Tuner:  # what _build asks of a tuner: its hypermodel, and a build of given values
        hypermodel = type("HyperModel", (), {"schedule_span": None})()

        def build_trial_model(self, hp: kt.HyperParameters) -> dict:
            return {"values": dict(hp.values), "span": self.hypermodel.schedule_span}

    hp = kt.HyperParameters()
    hp.values.update({"units": 32, "tuner/trial_id": "0003", "tuner/epochs": 9})
    trial = kt.engine.trial.Trial(hp, trial_id="0007")
    built = _build(Tuner(), trial, (96, 4))
    assert built == {"values": {"units": 32}, "span": (96, 4)}
    assert trial.hyperparameters.values["tuner/trial_id"] == "0003", "the trial is left as it was"
