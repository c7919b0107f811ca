"""Every name this project writes into MLflow, defined once: tags, params, artifacts, run kinds.

Readers and writers both use these, so a run written by one version is found by the next.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# -- run kinds (tag KIND) -------------------------------------------------------------------
KIND = "search.kind"
SEARCH, TRIAL, TRAIN = "search", "trial", "train"

# -- MLflow's own tags --------------------------------------------------------------------
PARENT_TAG = "mlflow.parentRunId"  # links a trial run to its search run (nested in the UI)
NOTE_TAG = "mlflow.note.content"  # the run's description in the MLflow UI (markdown)
DATA_CONTEXT_TAG = "mlflow.data.context"  # a dataset input's role: train/validation/test
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
EXPERIMENT_KIND = "custom_model_development"  # the UI opens on training runs, not GenAI

# -- keras-tuner's own names, logged with a trial's params -----------------------------------
KERAS_TUNER_PREFIX = "tuner/"  # keras-tuner's names for its own values, beside the space's
HYPERBAND_EPOCHS = f"{KERAS_TUNER_PREFIX}epochs"  # Hyperband, ASHA: the epochs a round trains to
ROUND_START = f"{KERAS_TUNER_PREFIX}initial_epoch"  # ... and the epoch it starts from
CONTINUED_TRIAL = f"{KERAS_TUNER_PREFIX}trial_id"  # ... the trial whose weights it continues


def space_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A trial's values without keras-tuner's own (`tuner/epochs`, `tuner/trial_id`, ...):
    the configuration, as the space declared it."""
    return {k: v for k, v in values.items() if not k.startswith(KERAS_TUNER_PREFIX)}


# -- our tags -------------------------------------------------------------------------------
TRIAL_ID_TAG = "search.trial_id"
STATUS_TAG = "search.status"  # keras-tuner's status of a trial (COMPLETED, FAILED, ...)
FAILURE_TAG = "search.failure_reason"  # one line: why a trial or training run failed
LATENCY_CPU_TAG = "search.latency_cpu"  # the CPU a trial's latency was measured on
LATENCY_THREADS_TAG = "search.latency_threads"  # TensorFlow's threads per op there
LATENCY_NOTE_TAG = "search.latency_note"  # parallel searches: other workers were training
CONSTRAINT_TAG = "search.constraint_broken"  # which `tuner.constraints` a trial broke, by how much
REFUSED_TAG = "search.refused"  # refused before training: which constraint, by how much
# several objectives, Bayesian tuner: the weights its proposal scalarized them with (ParEGO)
PAREGO_WEIGHTS_TAG = "search.parego_weights"  # `val_accuracy 0.31, params 0.69`
# `trial_measured` notes (search.tuning.measured) -> the tag each is written to
MEASURE_NOTE_TAGS = {
    "cpu": LATENCY_CPU_TAG,
    "threads": LATENCY_THREADS_TAG,
    "latency": LATENCY_NOTE_TAG,
    "broken": CONSTRAINT_TAG,
    "refused": REFUSED_TAG,
    "parego": PAREGO_WEIGHTS_TAG,
}
ATTEMPT_TAG = "search.attempt"  # the journal key of the record that opened the run
WORKER_TAG = "search.worker"  # the worker process that ran a trial (parallel searches)
ORACLE_PORT_TAG = "search.oracle_port"  # where a parallel search's chief serves its workers
DEADLINE_TAG = "search.deadline"  # when a search's trials must end (unix seconds), for workers
STOPPED_TAG = "search.stopped"  # stopped early, e.g. `epoch 3 (asha rung 1)`, `epoch 5 (deadline)`
SPARED_TAG = "search.spared"  # a rule would have stopped it: `epoch 1: on the front by flops`
REFIT_TAG = "search.refit"  # the registered model is the refit: `N epochs on train+validation`
CHAMPION_RULE_TAG = "search.champion_rule"  # `tuner.champion` and the numbers that chose it
CHAMPION_TRIAL_TAG = "search.champion_trial"  # the trial id the champion rule chose
MODEL_URI_TAG, MODEL_VERSION_TAG = "search.model_uri", "search.model_version"
EXPERIMENT_TAG = "search.experiment"
SPACE_TAG = "search.space"
TUNER_TAG = "search.tuner"
WORKERS_TAG = "search.workers"
DIR_TAG = "search.dir"  # the search directory on the chief's host
WARM_START_TAG = "search.warm_start"
SOURCE_TAG = "search.source"  # what a training run was trained from, as the user named it
SOURCE_KIND_TAG = "search.source_kind"
SOURCE_RUN_TAG = "search.source_run_id"
SOURCE_SEARCH_TAG = "search.source_search"
REGISTERED_MODEL_TAG = "search.registered_model"
SPACE_ORIGIN_TAG = "search.space_origin"  # the user's module or function a space came from
SPACE_DIGEST_TAG = "search.space_digest"  # sha256 of that module's source
DATA_BUILDER_TAG = "search.data_builder"  # the user's own TFDS builder: its folder
DATA_NAME_TAG, DATA_VERSION_TAG = "search.data_name", "search.data_version"
DATA_DIGEST_TAG = "search.data_builder_digest"  # sha256 of the builder's Python sources

# -- params -----------------------------------------------------------------------------------
BEST_PARAM_PREFIX = "best."  # the best trial's hyperparameters on the search run
TRAIN_PARAM_PREFIX = "train."  # training settings of a `search train` run, not hyperparameters
OBJECTIVE_NAME_PARAM = "tuner.objective.name"
OBJECTIVE_DIRECTION_PARAM = "tuner.objective.direction"

# -- metrics ----------------------------------------------------------------------------------
SCORE, BEST_SCORE, BEST_EPOCH = "score", "best_score", "best_epoch"
TRIAL_SECONDS, SOURCE_SCORE = "trial_seconds", "source_score"
TEST_PREFIX = "test_"
# What a trial's model costs (search.tuning.measure): parameters, one example's forward FLOPs,
# the saved .keras file, and the median ms to predict one example and a batch of 32.
PARAMS, FLOPS, MODEL_BYTES = "params", "flops", "model_bytes"
LATENCY_MS, LATENCY_MS_BATCH32 = "latency_ms", "latency_ms_batch32"
MEASURES = frozenset({PARAMS, FLOPS, MODEL_BYTES, LATENCY_MS, LATENCY_MS_BATCH32})
# A trial's training compute in PFLOP: its model's forward FLOPs x 3 x the samples it trained on
# (what the trial ran, not what its model costs: no objective or constraint reads it).
TRAIN_PFLOP = "train_pflop"
SUMMARY_METRICS = frozenset({TRIAL_SECONDS, SCORE, BEST_EPOCH, TRAIN_PFLOP, *MEASURES})
COMPUTE_PFLOP = "search.compute_pflop"  # the trials' train_pflop summed, and the refit's

# -- artifacts -------------------------------------------------------------------------------
EXPERIMENT_YAML = "experiment.yaml"  # the resolved config of a search or training run
BEST_HYPERPARAMETERS_YAML = "best_hyperparameters.yaml"
BEST_EXPERIMENT_YAML = "best_experiment.yaml"
HYPERPARAMETERS_YAML = "hyperparameters.yaml"  # a training run's typed values
TRACEBACK_TXT = "traceback.txt"
MODEL_SUMMARY_TXT = "model_summary.txt"
REPORT_DIR = "report"
PARETO_FRONT_CSV = "pareto_front.csv"  # several objectives: the eligible trials, front marked
PARETO_FRONT_PNG = "pareto_front.png"
ON_FRONT_COLUMN, CHAMPION_COLUMN = "on_front", "champion"  # its 0/1 columns
MODEL_NAME = "model"  # the logged model's name inside its run
SPACE_SOURCE_DIR = "space_source"  # the user's space module, as it was when searched

# -- registered model aliases --------------------------------------------------------------
CHAMPION = "champion"  # the latest search's best model
RETRAINED = "retrained"  # the latest `search train` model (unless told another alias)

# keras-tuner's trial status -> the MLflow run status
MLFLOW_STATUS = {"COMPLETED": "FINISHED", "FAILED": "FAILED", "INVALID": "FAILED"}
