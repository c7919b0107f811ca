"""Writes one search into MLflow: a parent run, a nested run per trial, the best model.

Runs are addressed by id through `MlflowClient` (no global active run), so trial hooks can
log from anywhere. Every call here is idempotent for a replayed journal record: trials are
found again by their attempt key, metrics carry the journaled time.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from search.tracking import describe, models, reader
from search.tracking.base import RunWriter, flatten
from search.tracking.schema import (
    BEST_EPOCH,
    BEST_EXPERIMENT_YAML,
    BEST_HYPERPARAMETERS_YAML,
    BEST_PARAM_PREFIX,
    BEST_SCORE,
    CHAMPION,
    CHAMPION_RULE_TAG,
    CHAMPION_TRIAL_TAG,
    COMPUTE_PFLOP,
    DEADLINE_TAG,
    EXPERIMENT_YAML,
    FAILURE_TAG,
    KIND,
    MEASURE_NOTE_TAGS,
    MLFLOW_STATUS,
    MODEL_URI_TAG,
    MODEL_VERSION_TAG,
    NOTE_TAG,
    ORACLE_PORT_TAG,
    PARENT_TAG,
    REFIT_TAG,
    SCORE,
    SEARCH,
    SPARED_TAG,
    STATUS_TAG,
    STOPPED_TAG,
    TEST_PREFIX,
    TRACEBACK_TXT,
    TRIAL,
    TRIAL_ID_TAG,
    TRIAL_SECONDS,
    WORKER_TAG,
)

if TYPE_CHECKING:
    from search.outcome import TrialOutcome


class SearchTracker(RunWriter):
    """Writes one search into MLflow; a `TrialListener` for the tuner's trial events."""

    def __init__(self, client: Any, uri: str, experiment_id: str, parent_run_id: str) -> None:
        super().__init__(client, uri, experiment_id)
        self.parent_run_id = parent_run_id
        self._trial_runs: dict[str, str] = {}
        self._datasets: list[Any] | None = None  # the parent's inputs, shared with trials
        self.trial_tags: dict[str, str] = {}  # on every trial run (a worker's id)
        self._params: dict[str, set[str]] = {}  # per trial run this tracker opened: logged names

    @classmethod
    def start(
        cls,
        client: Any,
        uri: str,
        experiment_id: str,
        run_name: str,
        config: Mapping[str, Any],
        data_identity: Mapping[str, str],
        tags: Mapping[str, str],
        sources: Mapping[str, str] | None = None,
        started: float | None = None,
    ) -> SearchTracker:
        """Opens the parent run with the resolved config (params + YAML) and the data identity;
        `sources` are text artifacts by name (the user's space module). The run starts at
        `started` (`time.time()`: the command's start, so its duration is the command's)."""
        start_time = None if started is None else int(started * 1000)
        run = client.create_run(
            experiment_id, run_name=run_name, tags={KIND: SEARCH, **tags}, start_time=start_time
        )
        tracker = cls(client, uri, experiment_id, run.info.run_id)
        tracker.log_params(run.info.run_id, {**flatten(config), **data_identity})
        client.log_text(
            run.info.run_id, yaml.safe_dump(dict(config), sort_keys=False), EXPERIMENT_YAML
        )
        for name, text in (sources or {}).items():
            client.log_text(run.info.run_id, text, name)
        describe.describe_search(client, run.info.run_id, config, data_identity)
        return tracker

    @classmethod
    def attach(cls, client: Any, uri: str, parent_run_id: str) -> SearchTracker:
        """A tracker for an existing search, changing nothing (for resume and `search sync`)."""
        run = client.get_run(parent_run_id)
        return cls(client, uri, run.info.experiment_id, parent_run_id)

    def resume(self) -> None:
        """The parent runs again; trial runs an interrupted attempt left RUNNING become KILLED."""
        self.client.update_run(self.parent_run_id, status="RUNNING")
        self.kill_dangling()

    def kill_dangling(self, worker: str | None = None) -> list[str]:
        """Trial runs still RUNNING belong to an attempt that will never end: KILLED.
        With `worker`, only that worker's (it restarted, so its old attempt is over).
        Returns the trial ids."""
        killed = []
        for child in self.trial_runs():
            if worker is not None and child.data.tags.get(WORKER_TAG) != worker:
                continue
            if child.info.status == "RUNNING":
                killed.append(child.data.tags.get(TRIAL_ID_TAG, ""))
                self.client.set_tag(child.info.run_id, STATUS_TAG, "KILLED")
                self.client.set_terminated(child.info.run_id, status="KILLED")
        return killed

    def trial_runs(self) -> list[Any]:
        """Every trial run of this search, oldest first."""
        return reader.trial_runs(self.client, self.experiment_id, self.parent_run_id)

    def trial_run_ids(self) -> dict[str, str]:
        """Each trial's latest run id, by trial id."""
        return {r.data.tags.get(TRIAL_ID_TAG, ""): r.info.run_id for r in self.trial_runs()}

    def set_oracle_port(self, port: int, deadline: float | None = None) -> None:
        """Where this search's chief serves its oracle, so workers find the search, and when
        its trials must end (set first: a worker reads it once it found the port)."""
        if deadline is not None:
            self.client.set_tag(self.parent_run_id, DEADLINE_TAG, repr(deadline))
        self.client.set_tag(self.parent_run_id, ORACLE_PORT_TAG, str(port))

    # -- TrialListener -------------------------------------------------------------------
    def trial_started(
        self, trial_id: str, hyperparameters: dict[str, Any], attempt: str | None = None
    ) -> None:
        """Opens the run of one attempt at a trial; a replayed `attempt` finds its run again."""
        from search.report import trial_title
        from search.report.notes import trial_note

        tags = {
            PARENT_TAG: self.parent_run_id,
            KIND: TRIAL,
            TRIAL_ID_TAG: trial_id,
            NOTE_TAG: trial_note(hyperparameters),
            **self.trial_tags,
        }
        run_id, created = self.create_run(trial_title(trial_id, hyperparameters), tags, attempt)
        self._trial_runs[trial_id] = run_id
        if not created:
            return
        self.log_params(run_id, {k: str(v) for k, v in hyperparameters.items()})
        self._params[run_id] = set(hyperparameters)
        self._datasets = describe.share_inputs(
            self.client, self.parent_run_id, run_id, self._datasets
        )

    def epoch_ended(
        self,
        trial_id: str,
        epoch: int,
        metrics: dict[str, float],
        at: int | None = None,
        attempt: str | None = None,
    ) -> None:
        """Epoch metrics at step=epoch; `at` (ms) makes a replayed batch identical, so deduped."""
        self.log_metrics(self._trial_run(trial_id, attempt), metrics, at, step=epoch)

    def trial_measured(
        self,
        trial_id: str,
        measures: dict[str, float],
        notes: dict[str, str],
        at: int | None = None,
        attempt: str | None = None,
    ) -> None:
        """What the trial's model costs (params, FLOPs, size, latency) and where the latency
        was measured; what constraint it broke or was refused for."""
        run_id = self._trial_run(trial_id, attempt)
        self.log_metrics(run_id, measures, at)
        for note, text in notes.items():
            if note in MEASURE_NOTE_TAGS:
                self.client.set_tag(run_id, MEASURE_NOTE_TAGS[note], str(text)[:5000])

    def trial_ended(
        self, outcome: TrialOutcome, at: int | None = None, attempt: str | None = None
    ) -> None:
        from search.report.notes import trial_note

        run_id = self._trial_run(outcome.trial_id, attempt)
        # Hyperparameters a trial declares late (conditional ones) are only known now; a run
        # this tracker did not open (a replay) is asked what it has.
        logged = self._params.pop(run_id, None) or self.client.get_run(run_id).data.params
        late = {k: str(v) for k, v in outcome.hyperparameters.items() if k not in logged}
        self.log_params(run_id, late)
        metrics = {TRIAL_SECONDS: outcome.seconds}
        if outcome.score is not None and not outcome.penalized:  # a penalty is no score
            metrics[SCORE] = outcome.score
        if outcome.best_step is not None and not outcome.refused:  # a refused one never trained
            metrics[BEST_EPOCH] = float(outcome.best_step)
        self.log_metrics(run_id, metrics, at)
        self.client.set_tag(run_id, STATUS_TAG, outcome.status)
        if outcome.stopped:
            self.client.set_tag(run_id, STOPPED_TAG, outcome.stopped)
        if outcome.spared:
            self.client.set_tag(run_id, SPARED_TAG, outcome.spared)
        describe.set_note(self.client, run_id, trial_note(outcome.hyperparameters, outcome))
        if outcome.status != "COMPLETED":
            self.client.set_tag(run_id, FAILURE_TAG, outcome.reason[:5000])
            self.client.log_text(run_id, outcome.message or "", TRACEBACK_TXT)
        self.client.set_terminated(run_id, status=MLFLOW_STATUS.get(outcome.status, "FAILED"))
        self._trial_runs.pop(outcome.trial_id, None)

    def _trial_run(self, trial_id: str, attempt: str | None = None) -> str:
        """The run of an attempt at a trial: by its attempt tag, else the trial's latest run."""
        found = self.attempt_run(attempt) or self._trial_runs.get(trial_id)
        if found is not None:
            return found
        runs = [r for r in self.trial_runs() if r.data.tags.get(TRIAL_ID_TAG) == trial_id]
        if not runs:
            raise LookupError(f"no MLflow run for trial {trial_id} under {self.parent_run_id}")
        return str(runs[-1].info.run_id)

    # -- end of search -------------------------------------------------------------------
    def log_best(
        self,
        score: float | None,
        hyperparameters: Mapping[str, Any],
        test_metrics: Mapping[str, float],
        best_config_yaml: str,
        refit: str | None = None,
        champion: Mapping[str, str] | None = None,
    ) -> None:
        """The champion's score, hyperparameters, config and the rule that chose it."""
        run_id = self.parent_run_id
        if refit:
            self.client.set_tag(run_id, REFIT_TAG, refit)
        if champion:
            self.client.set_tag(run_id, CHAMPION_RULE_TAG, champion["rule"][:5000])
            self.client.set_tag(run_id, CHAMPION_TRIAL_TAG, champion["trial_id"])
        self.log_params(
            run_id, {f"{BEST_PARAM_PREFIX}{k}": str(v) for k, v in hyperparameters.items()}
        )
        metrics = {f"{TEST_PREFIX}{k}": float(v) for k, v in test_metrics.items()}
        if score is not None:
            metrics[BEST_SCORE] = score
        self.log_metrics(run_id, metrics)
        text = yaml.safe_dump(dict(hyperparameters), sort_keys=False)
        self.client.log_text(run_id, text, BEST_HYPERPARAMETERS_YAML)
        self.client.log_text(run_id, best_config_yaml, BEST_EXPERIMENT_YAML)

    def log_model_file(self, model_path: str, sample_path: str, registered_name: str) -> None:
        """The best model from the files the search saved, registered, `champion` moved to it.

        A replay after the model was registered does nothing (no second model version).
        """
        if self.logged_model() is not None:
            return
        run_id = self.parent_run_id
        uri, version = models.log_model_file(run_id, model_path, sample_path, registered_name)
        models.set_aliases(self.client, registered_name, version, [CHAMPION])
        self.client.set_tag(run_id, MODEL_URI_TAG, uri)
        self.client.set_tag(run_id, MODEL_VERSION_TAG, version)
        self.client.update_run(run_id, status="RUNNING")  # logging the model ended it

    def logged_model(self) -> tuple[str, str] | None:
        """(model URI, registered version) once the search's best model is in MLflow."""
        return reader.logged_model(self.client, self.parent_run_id)

    def log_compute(self, pflop: float) -> None:
        """The search's training compute so far, on its parent run (machine-independent)."""
        self.log_metrics(self.parent_run_id, {COMPUTE_PFLOP: pflop})

    def finish(self, status: str = "FINISHED") -> None:
        """Ends the parent run; an interrupted or failed search also ends its open trial runs."""
        if status != "FINISHED":
            self.kill_dangling()
        self.client.set_terminated(self.parent_run_id, status=status)

    def log_report(
        self, folder: Path, model: Any, registered_name: str | None = None, version: str = ""
    ) -> None:
        """The search's report and model summary on its parent run (see `describe`)."""
        describe.log_report(
            self.client, self.parent_run_id, folder, model, registered_name, version
        )
