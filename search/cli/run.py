"""`search run`: one search from an experiment name or file to a registered model."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from typing import Any

import click

from search.cli.common import (
    SEARCH_INTERRUPTED,
    debug_option,
    interrupt_on_sigterm,
    open_store,
    setup_logging,
    stderr,
    user_errors,
)
from search.tuning.tuners import TUNERS


def search_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options of a search, shared by `search run` and `search chief`."""
    for option in reversed(_SEARCH_OPTIONS):
        command = option(command)
    return command


_SEARCH_OPTIONS: list[Callable[..., Any]] = []


def _option(*args: Any, **kwargs: Any) -> None:
    _SEARCH_OPTIONS.append(click.option(*args, **kwargs))


_option("--max-trials", type=click.IntRange(min=1), help="Override tuner.max_trials.")
_option(
    "--max-seconds",
    type=click.FloatRange(min=0, min_open=True),
    help="Override tuner.max_seconds: the whole command ends within this wall-clock budget.",
)
_option("--epochs", type=click.IntRange(min=1), help="Override training.epochs.")
_option("--tuner", type=click.Choice(TUNERS.names()), help="Override tuner.kind.")
_option("--seed", type=int, help="Override tuner.seed.")
_option("--batch-size", type=click.IntRange(min=1), help="Override training.batch_size.")
_option("--data-dir", help="Override dataset.data_dir (TFDS data directory).")
_option("--output-dir", help="Override output_dir (keras-tuner projects, best configs).")
_option(
    "--tracking-uri",
    help="MLflow tracking URI [default: $MLFLOW_TRACKING_URI, "
    "else sqlite:///mlflow.db in the working directory].",
)
_option(
    "--fresh",
    is_flag=True,
    help="Start a new search even if the last one of this experiment was interrupted.",
)
_option(
    "--warm-start",
    help="First trial = this configuration: an experiment YAML, a run id, an experiment "
    "name (its best trial) or models:/NAME@ALIAS.",
)
_option(
    "--deterministic",
    is_flag=True,
    default=None,
    help="Override training.deterministic: deterministic TensorFlow ops, so one seed gives "
    "the same trials and scores on this machine (slower).",
)
_option("--quiet", "-q", is_flag=True, help="No progress on stderr, only warnings and errors.")
_option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Every epoch and every hyperparameter in the progress, and debug logging.",
)
_option(
    "--trials-per-worker",
    type=click.IntRange(min=1),
    help="Override tuner.trials_per_worker: a worker process is replaced by a fresh one "
    "after this many trials (flat memory in long searches).",
)


@click.command()
@click.argument("experiment")
@search_options
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    help="Train trials in this many worker processes at once, each pinned to its share of "
    "the CPUs (one GPU each when there are GPUs) [default: tuner.workers, 0 = this process].",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Run every check (config, space, data and its files, tracking store, output "
    "directory), print the plan, and stop: nothing is trained or written.",
)
@debug_option
def run(experiment: str, workers: int | None, **options: Any) -> None:
    """Run the search EXPERIMENT (a name from experiments/ or a YAML path)."""
    run_command(experiment, workers, None, **options)


@dataclass(frozen=True)
class RunOptions:
    """How the command line asked for a search, besides the experiment's own settings."""

    overrides: dict[str, Any]  # dotted config keys from the options, None where not given
    tracking_uri: str | None
    fresh: bool
    warm_start: str | None
    quiet: bool
    verbose: bool
    dry_run: bool

    @classmethod
    def parse(cls, workers: int | None, options: dict[str, Any]) -> RunOptions:
        if options["quiet"] and options["verbose"]:
            raise click.UsageError("--quiet and --verbose exclude each other")
        overrides = {key: options.pop(name) for name, key in OVERRIDES.items()}
        return cls(
            overrides={**overrides, "tuner.workers": workers},
            tracking_uri=options["tracking_uri"],
            fresh=options["fresh"],
            warm_start=options["warm_start"],
            quiet=options["quiet"],
            verbose=options["verbose"],
            dry_run=options.get("dry_run", False),
        )


# Each option that overrides one config field, and that field.
OVERRIDES = {
    "max_trials": "tuner.max_trials",
    "max_seconds": "tuner.max_seconds",
    "epochs": "training.epochs",
    "tuner": "tuner.kind",
    "seed": "tuner.seed",
    "batch_size": "training.batch_size",
    "data_dir": "dataset.data_dir",
    "output_dir": "output_dir",
    "trials_per_worker": "tuner.trials_per_worker",
    "deterministic": "training.deterministic",
}


def run_command(
    experiment: str,
    workers: int | None,
    listen: tuple[str, int | None, str | None] | None,
    **options: Any,
) -> None:
    """A search from the command line; `listen` (host, port, advertised host) makes this
    process a chief that remote workers can join."""
    started = time.time()  # the time budget counts from here
    debug = options.pop("debug")
    run = RunOptions.parse(workers, options)
    setup_logging(run.verbose, run.quiet)
    interrupt_on_sigterm()
    with user_errors(debug, SEARCH_INTERRUPTED):
        from search.experiment import load_experiment
        from search.quiet import import_tensorflow_quietly

        loaded = load_experiment(experiment).with_overrides(**run.overrides)
        import_tensorflow_quietly()  # before the runner pulls TensorFlow in
        from search.tuning.inferred_task import settled
        from search.tuning.prepare import with_space_digest

        loaded = with_space_digest(loaded)  # what --warm-start and a resume compare
        loaded = settled(loaded)  # an unset task read off the label: the plan shows it
        from search.tracking.store import search_tracking_uri

        uri = search_tracking_uri(loaded, run.tracking_uri)
        warm = _warm_start(run.warm_start, loaded, uri) if run.warm_start else None
        if run.dry_run:
            _dry_run(loaded, uri, warm)
            return
        _report(_search(loaded, uri, warm, run, listen, started))


def _search(
    experiment: Any,
    uri: str,
    warm: Any,
    run: RunOptions,
    listen: tuple[str, int | None, str | None] | None,
    started: float,
) -> Any:
    from search.distributed.chief import Parallel
    from search.runner import run_search

    listeners = [] if run.quiet else [_progress(experiment, run.verbose)]
    # stdout is for the result: what libraries print while searching goes to stderr.
    with listeners[0] if listeners else _nothing(), redirect_stdout(sys.stderr):
        _quiet_dataset_bars()
        return run_search(
            experiment,
            tracking_uri=uri,
            fresh=run.fresh,
            listeners=listeners,
            warm_start=warm,
            parallel=Parallel.of(experiment, listen),
            started=started,
        )


def _warm_start(reference: str, experiment: Any, tracking_uri: str) -> Any:
    """The first trial's values, resolved and checked against the space's name."""
    from search.reuse.sources import is_file_reference, resolve_source
    from search.reuse.warm_start import warm_start_from

    client = None
    if not is_file_reference(reference):
        client = open_store(tracking_uri)[0]
    return warm_start_from(resolve_source(reference, client), experiment)


def _dry_run(experiment: Any, tracking_uri: str, warm_start: Any) -> None:
    """The checks and the plan (`search.plan`): the plan on stdout, logs on stderr."""
    from search.plan import dry_run

    with redirect_stdout(sys.stderr):
        _quiet_dataset_bars()
        plan = dry_run(experiment, tracking_uri, warm_start)
    for line in plan.lines():
        click.echo(line)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _progress(experiment: Any, verbose: bool) -> Any:
    from search.progress import TrialProgress

    hyperband = experiment.tuner.kind == "hyperband"
    return TrialProgress(
        stderr,
        None if hyperband else experiment.tuner.max_trials,
        experiment.tuner.objective.name,
        experiment.tuner.objective.direction == "max",
        epochs=None if hyperband else experiment.training.epochs,
        verbose=verbose,
    )


def _quiet_dataset_bars() -> None:
    """TFDS draws tqdm bars while preparing a dataset; they would tear the trial display."""
    import tensorflow_datasets as tfds

    tfds.disable_progress_bar()


def _report(result: Any) -> None:
    from search.tracking.schema import CHAMPION
    from search.tracking.store import ui_command

    out = click.echo
    score = "n/a" if result.best_score is None else f"{result.best_score:.4f}"
    out(f"experiment:        {result.experiment}{' (resumed)' if result.resumed else ''}")
    out(
        f"trials:            {', '.join(f'{n} {s.lower()}' for s, n in result.trials.items() if n)}"
    )
    out(f"{CHAMPION if result.champion else 'best'} {result.objective}: {score}")
    if result.champion:  # chosen by a rule: its score need not be the best one
        out(f"chosen by:         {result.champion}")
    out("test metrics:      " + ", ".join(f"{k}={v:.4f}" for k, v in result.test_metrics.items()))
    if result.refit:  # the tested and registered model is the refit, not the best trial's
        out(f"refit:             {result.refit}")
    out("best hyperparameters:")
    for name, value in result.best_hyperparameters.items():
        out(f"  {name}: {value}")
    out(f"parent run id:     {result.parent_run_id}")
    if result.pending_records:
        out(f"registered model:  pending ({result.pending_records} tracking records not written)")
    else:
        out(
            f"registered model:  models:/{result.registered_model}@{CHAMPION} "
            f"(version {result.model_version})"
        )
    out(f"best config:       {result.best_config_path}")
    out(f"MLflow UI:         {ui_command(result.tracking_uri)}")
    if result.pending_records:
        click.echo(
            f"warning: MLflow at {result.tracking_uri} was unreachable; {result.pending_records} "
            f"records wait in {result.search_dir}; write them with: "
            f"search sync {result.search_dir}",
            err=True,
        )
