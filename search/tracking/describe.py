"""What the MLflow UI shows beyond the numbers: descriptions, dataset inputs, the report."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from search.tracking import models
from search.tracking.schema import (
    CHAMPION,
    CHAMPION_RULE_TAG,
    DATA_CONTEXT_TAG,
    MODEL_SUMMARY_TXT,
    NOTE_TAG,
    REFIT_TAG,
    REPORT_DIR,
)

log = logging.getLogger(__name__)


def describe_search(
    client: Any, run_id: str, config: Mapping[str, Any], identity: Mapping[str, str]
) -> None:
    """The search run's description, and the TFDS splits as its inputs (the dataset column).
    Only presentation: a failure is logged and the search goes on."""
    from search.report.notes import search_note

    try:
        client.set_tag(run_id, NOTE_TAG, search_note(config))
        client.log_inputs(run_id, datasets=dataset_inputs(config, identity))
    except Exception:
        log.exception("could not describe the search run in MLflow")


def dataset_inputs(config: Mapping[str, Any], identity: Mapping[str, str]) -> list[Any]:
    """The TFDS splits as MLflow dataset inputs: name `<dataset>/<split>`, a digest of the
    data identity (version, sizes, shape), the prepared directory as source."""
    from mlflow.data.dataset_source_registry import resolve_dataset_source
    from mlflow.data.meta_dataset import MetaDataset
    from mlflow.entities import DatasetInput, InputTag

    dataset = config["dataset"]
    data_dir = dataset.get("data_dir") or os.environ.get("TFDS_DATA_DIR")
    root = Path(data_dir or "~/tensorflow_datasets").expanduser().resolve()
    name = identity.get("data.name", dataset["name"])  # a folder's or builder's own name
    where = root / name / identity.get("data.version", "")
    with warnings.catch_warnings():  # "file:" matches two equivalent local sources
        warnings.simplefilter("ignore")
        source = resolve_dataset_source(where.as_uri())
    inputs = []
    for role in ("train", "validation", "test"):
        split = dataset.get(f"{role}_split") or role  # None: carved or found by TFDS
        fingerprint = json.dumps({**identity, "split": split}, sort_keys=True)
        digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:10]
        meta = MetaDataset(source, name=f"{name}/{split}", digest=digest)  # type: ignore[abstract]
        inputs.append(DatasetInput(meta._to_mlflow_entity(), [InputTag(DATA_CONTEXT_TAG, role)]))
    return inputs


def share_inputs(client: Any, from_run: str, to_run: str, cache: list[Any] | None) -> list[Any]:
    """A trial trains on its search's data: the same inputs, so its row shows them too."""
    if cache is None:
        inputs = client.get_run(from_run).inputs
        cache = list(inputs.dataset_inputs) if inputs else []
    if cache:
        client.log_inputs(to_run, datasets=cache)
    return cache


def set_note(client: Any, run_id: str, text: str) -> None:
    client.set_tag(run_id, NOTE_TAG, text)


def log_report(
    client: Any, run_id: str, folder: Path, model: Any, registered: str | None, version: str
) -> None:
    """The report folder as `report/`, its summary under the description, the best model's
    summary as `model_summary.txt`; the registered version says which search it came from."""
    client.log_artifacts(run_id, str(folder), REPORT_DIR)
    lines: list[str] = []
    model.summary(print_fn=lambda line, *_, **__: lines.append(line))
    client.log_text(run_id, "\n".join(lines) + "\n", MODEL_SUMMARY_TXT)
    run = client.get_run(run_id)
    note = run.data.tags.get(NOTE_TAG, "")
    summary = (folder / "summary.md").read_text()
    client.set_tag(run_id, NOTE_TAG, f"{note.rstrip()}\n\n{summary}".lstrip())
    if registered and version:
        origin = f"Best model of the search run `{run.info.run_name}` ({run_id})."
        refit = run.data.tags.get(REFIT_TAG)
        if refit:
            origin += f" Refit of the best configuration: {refit}."
        rule = run.data.tags.get(CHAMPION_RULE_TAG)
        if rule:
            origin += f" Chosen by {rule}."
        models.describe_version(
            client,
            registered,
            version,
            f"{origin}\n\n{summary}",
            f"Best models of `search run` searches; `@{CHAMPION}` is the latest.",
        )
