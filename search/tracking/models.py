"""Keras models into MLflow: logged with the `mlflow.keras` flavor and a signature, registered,
pointed at by aliases. Both the search's best model and `search train` models come through here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from search.tracking.schema import MODEL_NAME

TABLE_REQUIREMENTS = ("mlflow", "keras", "tensorflow", "tensorflow-cpu", "pandas")


def installed(distributions: Sequence[str]) -> list[str]:
    """`name==version` of each distribution installed here (others left out)."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in distributions:
        try:
            found.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            continue
    return found


def log_keras_model(run_id: str, model: Any, sample: Any, registered_name: str) -> tuple[str, str]:
    """Logs a keras model (signature from `sample`) into the run `run_id` and registers it;
    returns the model URI and the new version. Leaves the run FINISHED (fluent API)."""
    import mlflow
    from mlflow.models import infer_signature

    signature = infer_signature(sample, model.predict(sample, verbose=0))
    # A table's model holds our own layers, which MLflow's requirement inference (loading the
    # model in a fresh process) cannot import: it would fall back to keras alone.
    requirements = installed(TABLE_REQUIREMENTS) if isinstance(sample, dict) else None
    with mlflow.start_run(run_id=run_id):
        info = mlflow.keras.log_model(
            model,
            name=MODEL_NAME,
            signature=signature,
            registered_model_name=registered_name,
            pip_requirements=requirements or model_requirements(),
        )
    return info.model_uri, str(info.registered_model_version)


def model_requirements() -> list[str]:
    """What a logged model needs to load: Keras and its backend, pinned. Given, not inferred:
    MLflow's inference loads the model again in a subprocess (20 s on a loaded 2-core
    machine, most of a short search's finishing time) to find the same two packages."""
    import keras

    backend = keras.config.backend()
    module = __import__({"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[backend])
    return [f"keras=={keras.__version__}", f"{backend}=={module.__version__}"]


def log_model_file(
    run_id: str, model_path: str, sample_path: str, registered_name: str
) -> tuple[str, str]:
    """`log_keras_model` from the files a run saved, so an outage before it loses nothing."""
    import keras
    import numpy as np

    model = keras.saving.load_model(model_path)
    # Our own file; text samples are object arrays of str, a table's a pickled dict.
    sample = np.load(sample_path, allow_pickle=True)
    if sample.dtype == object and sample.ndim == 0:
        sample = sample.item()
    return log_keras_model(run_id, model, sample, registered_name)


def set_aliases(client: Any, name: str, version: str, aliases: Sequence[str]) -> None:
    for alias in aliases:
        client.set_registered_model_alias(name, alias, version)


def describe_version(client: Any, name: str, version: str, text: str, model_text: str) -> None:
    """The version's description; the registered model's too, when it has none yet."""
    client.update_model_version(name, version, description=text)
    if not client.get_registered_model(name).description:
        client.update_registered_model(name, description=model_text)
