"""How one `search train` run is recorded: through a journal in its own directory, like a trial.

Every record is written to `<output_dir>/<experiment>/train-<stamp>/tracking-journal.jsonl`
before it is sent, so a tracking outage during training loses nothing: the model is saved
beside the journal and `search sync` registers it once MLflow is back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import keras
import yaml

from search.errors import SearchError
from search.experiment import Experiment
from search.reuse.sources import Source
from search.tracking import schema

log = logging.getLogger(__name__)

T = TypeVar("T")
MODEL_FILE, SAMPLE_FILE = "model.keras", "sample.npy"


class EpochsToJournal(keras.callbacks.Callback):
    """Every epoch's metrics on the training run at `step=epoch`, like a trial's."""

    def __init__(self, record: TrainRecord) -> None:
        super().__init__()
        self.record = record

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        numbers = {}
        for name, value in (logs or {}).items():
            try:
                numbers[name] = float(value)
            except (TypeError, ValueError):
                continue
        self.record.post("train_epoch", {"epoch": epoch, "metrics": numbers})


@dataclass(frozen=True)
class Recorded:
    """Where the run went; empty run id and version while records wait for `search sync`."""

    run_id: str
    model_uri: str
    registered_model: str
    model_version: str
    aliases: list[str]
    tracking_uri: str
    train_dir: str
    pending_records: int


class TrainRecord:
    """The journal, directory and writer of one training run."""

    def __init__(self, journal: Any, directory: Any, source: Source, options: Any) -> None:
        self.journal = journal
        self.directory = directory
        self.options = options
        self.registered: str = options.model_name or source.registered_model
        self.key = ""  # the train_started record's: later records name the run by it

    @classmethod
    def open(
        cls,
        uri: str,
        source: Source,
        experiment: Experiment,
        values: dict[str, Any],
        options: Any,
    ) -> TrainRecord:
        """Checks the store, makes the training directory, opens the run."""
        from search import workspace
        from search.tracking import store
        from search.tracking.journal import Journal
        from search.tracking.train_run import TrainWriter

        workspace.check_writable(experiment)
        writer = TrainWriter(store.connect(uri), uri, source.mlflow_experiment)
        directory = workspace.new_train_dir(
            experiment, tracking_uri=uri, mlflow_experiment=source.mlflow_experiment
        )
        record = cls(Journal(writer, directory.path), directory, source, options)
        record.key = record.journal.post(
            "train_started", record._started(source, experiment, values)
        )
        return record

    def _started(
        self, source: Source, experiment: Experiment, values: dict[str, Any]
    ) -> dict[str, Any]:
        tags = {
            schema.SOURCE_TAG: source.reference,
            schema.SOURCE_KIND_TAG: source.kind,
            schema.EXPERIMENT_TAG: experiment.name,
            schema.SPACE_TAG: experiment.space.name,
            schema.REGISTERED_MODEL_TAG: self.registered,
            schema.DIR_TAG: str(self.directory.path.resolve()),
        }
        if source.run_id:
            tags[schema.SOURCE_RUN_TAG] = source.run_id
        if source.search_run_id:
            tags[schema.SOURCE_SEARCH_TAG] = source.search_run_id
        training = {
            "epochs": experiment.training.epochs,
            "seed": experiment.tuner.seed,
            "batch_size": experiment.training.batch_size,
            "with_validation": self.options.with_validation,
        }
        params = {k: str(v) for k, v in values.items()}
        params.update({f"{schema.TRAIN_PARAM_PREFIX}{k}": str(v) for k, v in training.items()})
        return {
            "run_name": f"train-{experiment.name}-{time.strftime('%Y%m%d-%H%M%S')}",
            "tags": tags,
            "params": params,
            "texts": {
                schema.EXPERIMENT_YAML: experiment.to_yaml(),
                schema.HYPERPARAMETERS_YAML: yaml.safe_dump(values, sort_keys=False),
            },
            "metrics": {} if source.score is None else {schema.SOURCE_SCORE: source.score},
        }

    def post(self, op: str, data: dict[str, Any]) -> None:
        self.journal.post(op, data, attempt=self.key)

    def epoch_callback(self) -> EpochsToJournal:
        return EpochsToJournal(self)

    def guard(self, work: Callable[[], T]) -> T:
        """Runs `work`; a failure ends the run FAILED with its reason (KILLED on Ctrl-C), and
        a non-finite loss becomes one line the user can act on."""
        from search.errors import TrainingError

        try:
            return work()
        except KeyboardInterrupt:
            self._ended("KILLED", "interrupted")
            raise
        except TrainingError as error:
            self._ended("FAILED", str(error).removeprefix("training failed: "))
            raise SearchError(
                f"{error}; try a lower learning_rate "
                f"(the run is marked FAILED, its files are in {self.directory.path})"
            ) from None
        except BaseException as error:
            self._ended("FAILED", f"{type(error).__name__}: {error}".splitlines()[0])
            raise

    def _ended(self, status: str, reason: str) -> None:
        self.post("train_finished", {"status": status, "reason": reason})
        self.directory.save(status=status.lower())

    def finish(self, metrics: dict[str, float], model: Any, sample: Any) -> Recorded:
        """Final metrics and the model with its signature `sample` (through files, so an
        outage now loses nothing)."""
        from search.data.samples import save_sample

        folder = self.directory.path
        model.save(folder / MODEL_FILE)
        save_sample(folder / SAMPLE_FILE, sample)
        aliases = [self.options.alias]
        if self.options.champion and self.options.alias != schema.CHAMPION:
            aliases.append(schema.CHAMPION)
        model_data = {
            "model_path": str(folder / MODEL_FILE),
            "sample_path": str(folder / SAMPLE_FILE),
            "registered_name": self.registered,
            "aliases": aliases,
        }
        self.post("train_model", model_data)
        self.post("train_finished", {"status": "FINISHED", "metrics": metrics})
        self.directory.save(status="finished")
        writer, pending = self.journal.writer, len(self.journal.pending)
        model_uri, version = (None if pending else writer.logged_model()) or ("", "")
        return Recorded(
            run_id=writer.run_id or "",
            model_uri=model_uri,
            registered_model=self.registered,
            model_version=version,
            aliases=aliases,
            tracking_uri=writer.uri,
            train_dir=str(folder),
            pending_records=pending,
        )
