"""The `search` command line: parse, call one function, report. Errors become exit codes here."""

from __future__ import annotations

import logging
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.logging import RichHandler

from search.errors import SearchError
from search.tuning.tuners import TUNERS

stderr = Console(stderr=True)


def _setup_logging(verbose: bool) -> None:
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    # keras-tuner passes shuffle=True with a tf.data input, and restores weights without the
    # optimizer's slots: both harmless, both noisy.
    warnings.filterwarnings("ignore", message=r".*`shuffle=True` was passed.*")
    warnings.filterwarnings("ignore", message=r".*Skipping variable loading for optimizer.*")
    handler = RichHandler(console=stderr, show_path=False, show_time=False, markup=False)
    logging.basicConfig(level=logging.WARNING, handlers=[handler], format="%(message)s", force=True)
    logging.getLogger("search").setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("absl", "tensorflow", "alembic", "mlflow", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


@contextmanager
def user_errors(debug: bool) -> Iterator[None]:
    """Domain errors as one stderr line and their exit code; a traceback only with --debug."""
    try:
        yield
    except SearchError as error:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted: run the same command again to resume the search", err=True)
        sys.exit(130)
    except Exception as error:
        if debug:
            traceback.print_exc()
        first = str(error).splitlines()[0] if str(error) else ""
        click.echo(
            f"error: {type(error).__name__}: {first} (run with --debug for details)", err=True
        )
        sys.exit(1)


def debug_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--debug", is_flag=True, help="Show tracebacks of errors.")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(package_name="search")
def main() -> None:
    """Tune Keras models with keras-tuner; every trial tracked in MLflow."""


@main.command()
@click.argument("experiment")
@click.option("--max-trials", type=click.IntRange(min=1), help="Override tuner.max_trials.")
@click.option("--epochs", type=click.IntRange(min=1), help="Override training.epochs.")
@click.option("--tuner", type=click.Choice(TUNERS.names()), help="Override tuner.kind.")
@click.option("--seed", type=int, help="Override tuner.seed.")
@click.option("--batch-size", type=click.IntRange(min=1), help="Override training.batch_size.")
@click.option("--data-dir", help="Override dataset.data_dir (TFDS data directory).")
@click.option("--output-dir", help="Override output_dir (keras-tuner projects, best configs).")
@click.option(
    "--tracking-uri",
    help="MLflow tracking URI [default: $MLFLOW_TRACKING_URI, "
    "else sqlite:///mlflow.db in the working directory].",
)
@click.option(
    "--fresh",
    is_flag=True,
    help="Start a new search even if the last one of this experiment was interrupted.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@click.option("--verbose", "-v", is_flag=True, help="Debug logging on stderr.")
@debug_option
def run(
    experiment: str,
    max_trials: int | None,
    epochs: int | None,
    tuner: str | None,
    seed: int | None,
    batch_size: int | None,
    data_dir: str | None,
    output_dir: str | None,
    tracking_uri: str | None,
    fresh: bool,
    quiet: bool,
    verbose: bool,
    debug: bool,
) -> None:
    """Run the search EXPERIMENT (a name from experiments/ or a YAML path)."""
    _setup_logging(verbose)
    with user_errors(debug):
        from search.experiment import load_experiment
        from search.quiet import import_tensorflow_quietly

        loaded = load_experiment(experiment).with_overrides(
            **{
                "tuner.max_trials": max_trials,
                "training.epochs": epochs,
                "tuner.kind": tuner,
                "tuner.seed": seed,
                "training.batch_size": batch_size,
                "dataset.data_dir": data_dir,
                "output_dir": output_dir,
            }
        )
        import_tensorflow_quietly()  # before the runner pulls TensorFlow in
        from search.runner import run_search

        listeners = [] if quiet else [_progress(loaded)]
        with listeners[0] if listeners else _nothing():
            result = run_search(loaded, tracking_uri=tracking_uri, fresh=fresh, listeners=listeners)
        _report(result)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _progress(experiment: Any) -> Any:
    from search.progress import TrialProgress

    total = None if experiment.tuner.kind == "hyperband" else experiment.tuner.max_trials
    return TrialProgress(
        stderr,
        total,
        experiment.tuner.objective.name,
        experiment.tuner.objective.direction == "max",
    )


def _report(result: Any) -> None:
    from search.tracking import ui_command

    out = click.echo
    score = "n/a" if result.best_score is None else f"{result.best_score:.4f}"
    out(f"experiment:        {result.experiment}{' (resumed)' if result.resumed else ''}")
    out(
        f"trials:            {', '.join(f'{n} {s.lower()}' for s, n in result.trials.items() if n)}"
    )
    out(f"best {result.objective}: {score}")
    out("test metrics:      " + ", ".join(f"{k}={v:.4f}" for k, v in result.test_metrics.items()))
    out("best hyperparameters:")
    for name, value in result.best_hyperparameters.items():
        out(f"  {name}: {value}")
    out(f"parent run id:     {result.parent_run_id}")
    out(
        f"registered model:  models:/{result.registered_model}@champion "
        f"(version {result.model_version})"
    )
    out(f"best config:       {result.best_config_path}")
    out(f"MLflow UI:         {ui_command(result.tracking_uri)}")


@main.command(name="list")
def list_() -> None:
    """List the experiments, spaces, datasets and tuners this installation knows."""
    with user_errors(False):
        from search.quiet import import_tensorflow_quietly

        import_tensorflow_quietly()
        from search.data.builders import OFFLINE_BUILDERS
        from search.experiment import available_experiments
        from spaces import SPACES

        click.echo("experiments: " + ", ".join(available_experiments()))
        click.echo(
            "spaces:      " + ", ".join(f"{n} ({SPACES.get(n).modality})" for n in SPACES.names())
        )
        click.echo(
            "datasets:    "
            + ", ".join(OFFLINE_BUILDERS)
            + " (offline), or any TFDS name (downloads when online)"
        )
        click.echo("tuners:      " + ", ".join(TUNERS.names()))
