"""Every private keras-tuner name this project uses, in one place. Checked against 1.4.8.

keras-tuner offers no public hook for these; each use says why it is needed. Nothing else in
`search/` imports `keras_tuner.src` or touches a `_private` keras-tuner attribute
(tests/tuning/test_keras_tuner_internals.py checks that, the version, and that every name
below still exists), so an upgrade of keras-tuner is reviewed here and nowhere else.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import keras_tuner as kt
from keras_tuner.src import config as kt_config
from keras_tuner.src.engine import conditions
from keras_tuner.src.engine.tuner_utils import SaveBestEpoch

from search.tracking.schema import space_values

CHECKED_AGAINST = "1.4.8"

# The private attributes used below, by owner, for the test that they still exist.
PRIVATE_ATTRIBUTES = {
    "Oracle": ("_retry_queue", "_duplicate", "_random_values"),
    "Tuner": ("_try_build", "_build_hypermodel", "_build_and_fit_model", "_get_checkpoint_fname"),
    "SaveBestEpoch": ("_save_model",),
    "HyperParameters": ("_get_name",),
    "BayesianOptimizationOracle": ("_vectorize_trials",),
}

__all__ = ["SaveBestEpoch", "TunerSteps"]


def quiet() -> None:
    """keras-tuner prints every failed trial's traceback to stderr (`config.DEBUG`; ours go
    to the trial's run), and 1.4.8 left a debug `print` in `conditions.Parent.to_proto`, which
    every conditional hyperparameter sent over gRPC hits: shadowed in that module only."""
    kt_config.DEBUG = False
    conditions.print = lambda *args, **kwargs: None  # type: ignore[attr-defined]


def atomic_saves() -> None:
    """keras-tuner writes `oracle.json` and each `trial.json` in place (`utils.save_json`),
    so a full disk or a kill mid-write leaves a truncated file that no resume can read.
    Written to a temporary file beside it and renamed over it, the old one survives."""
    from keras_tuner.src import utils

    if getattr(utils.save_json, "atomic", False):
        return

    def save_json(path: str, obj: Any) -> str:
        text = json.dumps(obj)
        temporary = f"{path}.tmp"
        with open(temporary, "w") as file:
            file.write(text)
        os.replace(temporary, path)
        return text

    save_json.atomic = True  # type: ignore[attr-defined]
    utils.save_json = save_json


def oracle_service(oracle: Any, server: Any) -> Any:
    """keras-tuner's gRPC servicer for `oracle`, added to our own `grpc.server` (keras-tuner's
    `start_server` blocks the chief). Imported here only: it loads gRPC and the protos."""
    from keras_tuner.src import protos
    from keras_tuner.src.distribute.oracle_chief import OracleServicer

    servicer = OracleServicer(oracle)
    protos.get_service_grpc().add_OracleServicer_to_server(servicer, server)
    return servicer


def create_trial_request(tuner_id: str) -> Any:
    """The gRPC request a worker sends for a trial (tests speak to the servicer with it)."""
    from keras_tuner.src import protos

    return protos.get_service().CreateTrialRequest(tuner_id=tuner_id)


def retry_queue(oracle: Any) -> list[str] | None:
    """The trial ids waiting to be run again; None for a worker's client of the chief's
    oracle. The oracle offers no public way to re-queue a trial or to inspect the queue."""
    queue = getattr(oracle, "_retry_queue", None)
    return queue if isinstance(queue, list) else None


def set_retry_queue(oracle: Any, trial_ids: list[str]) -> None:
    oracle._retry_queue = trial_ids


def already_tried(oracle: Any, values: dict[str, Any]) -> bool:
    """Whether `values` (active ones only) equal a trial's the oracle already made: its own
    repeat check, by the hash it records for every trial it hands out."""
    hps = oracle.hyperparameters.copy()
    hps.values = dict(values)
    hps.ensure_active_values()
    return bool(oracle._duplicate(hps.values))


class RoundBlindOracle(kt.Oracle):
    """An oracle whose record of tried configurations leaves keras-tuner's round values
    (`tuner/epochs`, `tuner/trial_id`, ...) out, as keras-tuner's Hyperband oracle does for
    most of them: a random draw is then never a configuration some round trained already.
    The record is what `random_values` checks a draw against; no public hook keys it."""

    def _compute_values_hash(self, values: dict[str, Any]) -> str:
        return str(super()._compute_values_hash(space_values(values)))


def random_values(oracle: Any) -> dict[str, Any] | None:
    """Random values no trial used yet (None when the oracle found none): what the random
    and Bayesian oracles draw from; no public method gives them."""
    values = oracle._random_values()
    return None if values is None else dict(values)


def fit_gp_to(oracle: Any, scores: Callable[[list[Any]], dict[str, float]]) -> None:
    """Makes a Bayesian oracle fit its Gaussian process to `scores(completed trials)` (trial
    id -> score, minimized; a trial left out is not a row) instead of the trials' own scores.

    `populate_space` fits the process to what `_vectorize_trials` returns, one row per trial
    of `oracle.trials` but the failed and invalid ones, in that order; no public hook changes
    the scores. A running trial (a parallel search's) is left out too: keras-tuner guesses
    its score from the last fit, which may have been on other scores; the repeats it would
    avoid are avoided by `search.tuning.repeats`. With no row scored, the fit is keras-tuner's.
    """
    import numpy as np

    original = oracle._vectorize_trials

    def vectorize_trials() -> tuple[Any, Any]:
        x, y = original()
        ongoing = set(oracle.ongoing_trials.values())
        rows = [
            t
            for t in oracle.trials.values()
            if t in ongoing or str(t.status) not in ("FAILED", "INVALID")
        ]
        done = [t for t in rows if t not in ongoing and str(t.status) == "COMPLETED"]
        scored = {t: s for t, s in scores(done).items() if t in {d.trial_id for d in done}}
        kept = [i for i, t in enumerate(rows) if t.trial_id in scored]
        if len(rows) != len(x) or not kept:  # (the length: keras-tuner changed its rows)
            return x, y
        return x[kept], np.array([scored[rows[i].trial_id] for i in kept])

    oracle._vectorize_trials = vectorize_trials


def scoped_name(hp: kt.HyperParameters, name: str) -> str:
    """The full name `hp` gives `name` inside its current name and conditional scopes."""
    return str(hp._get_name(name))


def checkpoint_path(tuner: Any, trial_id: str) -> str:
    """Where the tuner keeps a trial's best-epoch weights (what `load_model` reads)."""
    return str(tuner._get_checkpoint_fname(trial_id))


def write_checkpoint(callback: SaveBestEpoch) -> None:
    """Writes the model's weights where keras-tuner's `SaveBestEpoch` would."""
    callback._save_model()


class TunerSteps:
    """Mixed in before a keras-tuner Tuner: public names for two private steps of a trial.

    `build_trial_model` replaces `_try_build` (clear the session, build under the distribution
    strategy, refuse an oversized model); `execution_callbacks` sees the callbacks of each
    execution, keras-tuner's `SaveBestEpoch` included, before `_build_and_fit_model` trains."""

    def _try_build(self, hp: kt.HyperParameters) -> Any:
        return self.build_trial_model(hp)

    def _build_and_fit_model(self, trial: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["callbacks"] = self.execution_callbacks(list(kwargs.get("callbacks", [])))
        return super()._build_and_fit_model(trial, *args, **kwargs)  # type: ignore[misc]

    def build_trial_model(self, hp: kt.HyperParameters) -> Any:
        return super()._try_build(hp)  # type: ignore[misc]

    def build_hypermodel(self, hp: kt.HyperParameters) -> Any:
        """The hypermodel's model under the tuner's distribution strategy, nothing else."""
        return self._build_hypermodel(hp)  # type: ignore[attr-defined]

    def execution_callbacks(self, callbacks: list[Any]) -> list[Any]:
        return callbacks
