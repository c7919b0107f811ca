"""`tuner.kind: asha`: asynchronous successive halving in its promotion form (Li et al. 2020),
on keras-tuner's Oracle, each promotion continuing its configuration's weights.

Rungs lie at `min_epochs` x `factor`^k epochs, the last at `training.epochs`. When a worker
asks for a trial, the oracle looks from the highest rung down for a configuration among the
top 1/`factor` of the trials that completed that rung and not yet promoted: it continues that
one to the next rung, as a new trial that loads the earlier trial's best weights and trains
from `tuner/initial_epoch` to `tuner/epochs` (keras-tuner's Hyperband does the same between
its rounds, with the same values). With none to promote, it starts a new random
configuration at the first rung. No rung waits to fill and no worker waits for another.

Unlike the stopping form (`early_stopping: asha`, kept for the other tuners), no trial is
privileged by coming first: the first trial trains to the first rung like every other, so a
search of one worker and a few full trials' budget ranks its configurations at each rung
instead of training its first one to the end. Each round's schedule spans the epochs it
trains (`search.tuning.recipe.schedule_epochs`), so every rung is scored annealed. The best
trial is chosen among those of the highest rung reached (`search.tuning.stopping.fidelity`).
Which trials were promoted is read off the trials (`tuner/trial_id`), so a resumed search
and the chief of parallel workers decide from what is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras_tuner as kt

from search.objectives_config import ObjectiveConfig
from search.tracking.schema import (
    CONTINUED_TRIAL,
    HYPERBAND_EPOCHS,
    KERAS_TUNER_PREFIX,
    ROUND_START,
)
from search.tuning.keras_tuner_internals import RoundBlindOracle, random_values
from search.tuning.rung_points import rank_ahead
from search.tuning.stopping import rung_epochs, stop_of

BRACKET, ROUND = f"{KERAS_TUNER_PREFIX}bracket", f"{KERAS_TUNER_PREFIX}round"


def rungs(min_epochs: int, factor: int, max_epochs: int) -> list[int]:
    """The epochs each rung trains to: the stopping form's rungs, then max_epochs (1, 3, 9 for
    1, 3, 9; 2, 6, 10 for 2, 3, 10)."""
    return [*rung_epochs(min_epochs, factor, max_epochs), max_epochs]


class AshaOracle(RoundBlindOracle):
    """Random configurations, promoted rung by rung (see the module's docstring). With several
    objectives (`cheap`: the build-time measures standing for them) a rung is ordered by
    non-dominated rank, ties by the first objective, as the stopping form orders it."""

    def __init__(
        self,
        objective: Any = None,
        max_epochs: int = 9,
        factor: int = 3,
        min_epochs: int = 1,
        cheap: Sequence[ObjectiveConfig] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(objective=objective, **kwargs)
        self.rungs = rungs(min_epochs, factor, max_epochs)
        self.factor = factor
        self.cheap = tuple(cheap)

    def populate_space(self, trial_id: str) -> dict[str, Any]:
        promoted = self._promotion()
        if promoted is not None:
            return {"status": "RUNNING", "values": promoted}
        values = random_values(self)
        if values is None:  # every configuration of a small space was drawn
            return {"status": "IDLE" if self.ongoing_trials else "STOPPED"}
        return {"status": "RUNNING", "values": {**values, **_round(self.rungs, 0)}}

    def _promotion(self) -> dict[str, Any] | None:
        """The values of the next promotion, from the highest rung down; None if none is due."""
        continued = {t.hyperparameters.values.get(CONTINUED_TRIAL) for t in self.trials.values()}
        for rung in reversed(range(len(self.rungs) - 1)):
            done = self._completed_at(self.rungs[rung])
            step = self.rungs[rung] - 1
            ranked = sorted(
                done, key=lambda t: rank_ahead(t, done, step, self.objective, self.cheap)
            )
            for trial in ranked[: len(done) // self.factor]:
                if trial.trial_id not in continued:
                    values = dict(trial.hyperparameters.values)
                    values.update(_round(self.rungs, rung + 1))
                    values[CONTINUED_TRIAL] = trial.trial_id
                    return values
        return None

    def _completed_at(self, epochs: int) -> list[Any]:
        """The trials that trained to `epochs` and completed there (a trial the deadline cut
        short, or one that failed, is not promoted)."""
        return [
            t
            for t in self.trials.values()
            if str(t.status) == "COMPLETED"
            and t.hyperparameters.values.get(HYPERBAND_EPOCHS) == epochs
            and stop_of(t) is None
        ]


def _round(at: list[int], rung: int) -> dict[str, Any]:
    """keras-tuner's round values for training to rung `rung` from the one before it."""
    return {
        HYPERBAND_EPOCHS: at[rung],
        ROUND_START: at[rung - 1] if rung else 0,
        BRACKET: 0,
        ROUND: rung,
    }


class AshaTuner(kt.Hyperband):
    """keras-tuner's Hyperband tuner (it trains a trial from `tuner/initial_epoch` to
    `tuner/epochs`, loading `tuner/trial_id`'s best weights first) over an `AshaOracle`."""

    def __init__(
        self,
        hypermodel: Any = None,
        objective: Any = None,
        max_epochs: int = 9,
        factor: int = 3,
        min_epochs: int = 1,
        cheap: Sequence[ObjectiveConfig] = (),
        max_trials: int | None = None,
        seed: int | None = None,
        max_retries_per_trial: int = 0,
        max_consecutive_failed_trials: int = 3,
        **kwargs: Any,
    ) -> None:
        oracle = AshaOracle(
            objective,
            max_epochs=max_epochs,
            factor=factor,
            min_epochs=min_epochs,
            cheap=cheap,
            max_trials=max_trials,
            seed=seed,
            max_retries_per_trial=max_retries_per_trial,
            max_consecutive_failed_trials=max_consecutive_failed_trials,
        )
        # Hyperband's own __init__ would make a HyperbandOracle: the Tuner's is called instead
        super(kt.Hyperband, self).__init__(oracle=oracle, hypermodel=hypermodel, **kwargs)
