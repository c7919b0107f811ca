"""What every command shares: logging to stderr, and domain errors turned into exit codes."""

from __future__ import annotations

import errno
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

stderr = Console(stderr=True)


def setup_logging(verbose: bool, quiet: bool = False) -> None:
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    # keras-tuner passes shuffle=True with a tf.data input, and restores weights without the
    # optimizer's slots: both harmless, both noisy.
    warnings.filterwarnings("ignore", message=r".*`shuffle=True` was passed.*")
    warnings.filterwarnings("ignore", message=r".*Skipping variable loading for optimizer.*")
    handler = RichHandler(console=stderr, show_path=False, show_time=False, markup=False)
    if not verbose:
        handler.addFilter(one_line_errors)
    logging.basicConfig(level=logging.WARNING, handlers=[handler], format="%(message)s", force=True)
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.getLogger("search").setLevel(level)
    for noisy in ("absl", "tensorflow", "alembic", "mlflow", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    if not verbose:
        convergence_warnings_once()


def one_line_errors(record: logging.LogRecord) -> bool:
    """A failure logged with its exception (a report that could not be drawn, a listener that
    failed on a full disk) as one line: the message, the exception's type and first line.
    The traceback is for --verbose."""
    error = record.exc_info[1] if record.exc_info else None
    if error is not None:
        first = str(error).splitlines()[0] if str(error) else ""
        record.msg = f"{record.getMessage()}: {type(error).__name__}: {first}"
        record.args = None
        record.exc_info = record.exc_text = None
    return True


CONVERGENCE_NOTE = (
    "the Bayesian tuner's model of the scores did not fully converge (scikit-learn's "
    "ConvergenceWarning, common with few trials); its proposals may be closer to random. "
    "Said once; --verbose shows every one"
)


def convergence_warnings_once() -> None:
    """scikit-learn's ConvergenceWarning (two lines with a file path, after each Bayesian
    trial) becomes one log line in words for the whole run; other warnings are unchanged."""
    shown = warnings.showwarning
    if getattr(shown, "convergence_once", False):
        return
    said = False

    def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        nonlocal said
        if category.__name__ != "ConvergenceWarning":
            shown(message, category, *args, **kwargs)
        elif not said:
            said = True
            logging.getLogger(__name__).info(CONVERGENCE_NOTE)

    show.convergence_once = True  # type: ignore[attr-defined]
    warnings.showwarning = show


def interrupt_on_sigterm() -> None:
    """SIGTERM (`kill`, a scheduler's preemption) ends a search like Ctrl-C: workers stopped,
    runs marked KILLED, resumable; Python's default would skip every clean-up."""
    import signal

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


SEARCH_INTERRUPTED = "interrupted: run the same command again to resume the search"
INTERRUPTED = "interrupted"


@contextmanager
def user_errors(debug: bool, interrupted: str = INTERRUPTED) -> Iterator[None]:
    """Domain errors as one stderr line and their exit code; a traceback only with --debug.

    `interrupted` is the line for Ctrl-C: only a search resumes, so only it says so."""
    try:
        yield
    except SearchError as error:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo(interrupted, err=True)
        sys.exit(130)
    except Exception as error:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {unexpected_error_line(error)}", err=True)
        sys.exit(1)


def unexpected_error_line(error: Exception) -> str:
    """One line for an error no check foresaw; a full disk says what to do about it."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        where = f" (writing {error.filename})" if error.filename else ""
        return (
            f"the disk is full{where}: free some space, then run the same command again "
            "to resume the search"
        )
    first = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {first} (run with --debug for details)"


class OneLineUsageGroup(click.Group):
    """A group whose usage errors are one `error:` line (click prints usage and a hint too)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("standalone_mode", None)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except click.UsageError as error:
            where = error.ctx.command_path if error.ctx else "search"
            click.echo(f"error: {error.format_message()} (see '{where} --help')", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def debug_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--debug", is_flag=True, help="Show tracebacks of errors.")(command)


def tracking_uri_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--tracking-uri",
        help="MLflow tracking URI [default: $MLFLOW_TRACKING_URI, "
        "else sqlite:///mlflow.db in the working directory].",
    )(command)


def open_store(tracking_uri: str | None) -> tuple[Any, str]:
    """A client on the resolved store, which must exist (reading never creates one)."""
    from search.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()  # reading back a run may load keras
    from search.tracking.store import open_existing

    return open_existing(tracking_uri)
