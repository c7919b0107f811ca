"""What every writer shares: batched params and metrics, and runs found again by journal key."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from search.tracking.schema import ATTEMPT_TAG

PARAMS_PER_REQUEST = 100  # MLflow takes at most 100 params a request
PARAM_LENGTH = 6000  # MLflow's limit on a param value


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested config as dotted keys with string values (MLflow params); unset fields (None,
    empty strings, lists and mappings) are left out, so the run page lists what carries a value."""
    flat: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if value is None or value == "" or (isinstance(value, Mapping | list) and not value):
            continue
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def now_ms() -> int:
    return int(time.time() * 1000)


class RunWriter:
    """Writes into runs of one MLflow experiment through `client`, addressed by run id."""

    def __init__(self, client: Any, uri: str, experiment_id: str) -> None:
        self.client = client
        self.uri = uri
        self.experiment_id = experiment_id
        self._attempt_runs: dict[str, str] = {}

    def log_params(self, run_id: str, params: Mapping[str, str]) -> None:
        from mlflow.entities import Param

        items = [Param(k, str(v)[:PARAM_LENGTH]) for k, v in params.items()]
        for start in range(0, len(items), PARAMS_PER_REQUEST):
            self.client.log_batch(run_id, params=items[start : start + PARAMS_PER_REQUEST])

    def log_metrics(
        self, run_id: str, metrics: Mapping[str, float], at: int | None = None, step: int = 0
    ) -> None:
        """Metrics at `step`; a journaled time `at` (ms) makes a replayed batch a duplicate
        MLflow ignores."""
        from mlflow.entities import Metric

        stamp = at or now_ms()
        batch = [Metric(k, float(v), stamp, step) for k, v in metrics.items()]
        if batch:
            self.client.log_batch(run_id, metrics=batch)

    def log_text(self, run_id: str, text: str, artifact: str) -> None:
        self.client.log_text(run_id, text, artifact)

    def create_run(
        self, run_name: str, tags: Mapping[str, str], attempt: str | None = None
    ) -> tuple[str, bool]:
        """(run id, created): the run an `attempt` (journal key) opened before, else a new one."""
        existing = self.attempt_run(attempt)
        if existing is not None:
            return existing, False
        run = self.client.create_run(
            self.experiment_id,
            run_name=run_name,
            tags={**tags, **({ATTEMPT_TAG: attempt} if attempt else {})},
        )
        run_id = str(run.info.run_id)
        if attempt:
            self._attempt_runs[attempt] = run_id
        return run_id, True

    def attempt_run(self, attempt: str | None) -> str | None:
        """The run opened by the journal record `attempt`, if MLflow has it."""
        if not attempt:
            return None
        if attempt not in self._attempt_runs:
            found = self.client.search_runs(
                [self.experiment_id], filter_string=f"tags.`{ATTEMPT_TAG}` = '{attempt}'"
            )
            if found:
                self._attempt_runs[attempt] = str(found[0].info.run_id)
        return self._attempt_runs.get(attempt)
