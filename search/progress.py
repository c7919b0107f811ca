"""Progress over trials on stderr: a bar with ETA and one line per finished trial.

Log records go through the same rich console (see `search.cli.common.setup_logging`), so
they print above the bar instead of tearing it; keras' own per-batch bars are off
(`verbose=0`).
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from search.outcome import TrialOutcome
from search.report.naming import describe, key_hyperparameters


class TrialProgress:
    """A `TrialListener` drawing a rich bar over trials; log lines print above it.

    Each finished trial prints one line: id, score, whether it is the new best, the best so
    far, its duration and its key hyperparameters. `verbose` adds every hyperparameter and a
    line per epoch.
    """

    def __init__(
        self,
        console: Console,
        total: int | None,
        objective: str,
        maximize: bool,
        epochs: int | None = None,
        verbose: bool = False,
    ) -> None:
        self.console = console
        self.objective = objective
        self.maximize = maximize
        self.epochs = epochs
        self.verbose = verbose
        self.best: float | None = None
        self.best_trial: str | None = None
        self.finished = 0
        self._started = time.monotonic()
        # No markup: rendering markup imports rich.markup inside rich's refresh thread, which
        # fails while TFDS holds etils' lazy-import hook in the main thread.
        self.progress = Progress(
            TextColumn("{task.description:<22}", style="bold", markup=False),  # bar stays put
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("best {task.fields[best]}", markup=False),
            TimeElapsedColumn(),
            TextColumn("eta", markup=False),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task = self.progress.add_task("trials", total=total, best="-")

    def __enter__(self) -> TrialProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()
        if self.finished:
            best = "-" if self.best is None else f"{self.best:.4f} (trial {self.best_trial})"
            seconds = time.monotonic() - self._started
            self.console.print(
                f"{self.finished} trial{'s' * (self.finished != 1)} in {seconds:.0f}s, "
                f"best {self.objective} {best}",
                highlight=False,
            )

    def trial_started(self, trial_id: str, hyperparameters: dict[str, Any]) -> None:
        self.progress.update(self.task, description=f"trial {trial_id}")
        if self.verbose:
            self._line(f"trial {trial_id} started  [dim]{escape(describe(hyperparameters))}[/dim]")

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        of = f"/{self.epochs}" if self.epochs else ""
        self.progress.update(self.task, description=f"trial {trial_id} epoch {epoch + 1}{of}")
        if self.verbose:
            values = "  ".join(f"{k}={v:.4f}" for k, v in metrics.items())
            self._line(f"[dim]  trial {trial_id} epoch {epoch + 1}{of}  {values}[/dim]")

    def trial_ended(self, outcome: TrialOutcome) -> None:
        score = None if outcome.penalized else outcome.score  # a penalty is no score
        improved = (
            outcome.status == "COMPLETED"
            and score is not None
            and (self.best is None or (score > self.best if self.maximize else score < self.best))
        )
        if improved:
            self.best, self.best_trial = score, outcome.trial_id
        self.finished += 1
        best = "-" if self.best is None else f"{self.best:.4f}"
        result = (
            f"{self.objective}={score:.4f}"
            + (" [green]new best[/green]" if improved else "")
            + (f" [yellow]stopped at {outcome.stopped}[/yellow]" if outcome.stopped else "")
            if score is not None
            else _penalized(outcome)
            if outcome.penalized
            else f"[red]{outcome.status}[/red] {escape(outcome.reason[:120])}"
        )
        shown = (
            outcome.hyperparameters
            if self.verbose
            else key_hyperparameters(outcome.hyperparameters)
        )
        self._line(
            f"trial {outcome.trial_id:>3}  {result}  best={best}  {outcome.seconds:5.1f}s  "
            f"[dim]{escape(describe(shown))}[/dim]"
        )
        self.progress.update(self.task, advance=1, best=best, description="trials")

    def _line(self, text: str) -> None:
        """One line on a terminal (cut to its width); whole lines in logs and with verbose."""
        if self.console.is_terminal and not self.verbose:
            self.console.print(text, highlight=False, overflow="ellipsis", no_wrap=True)
        else:
            self.console.print(text, highlight=False, soft_wrap=True)


def _penalized(outcome: TrialOutcome) -> str:
    what = "refused before training" if outcome.refused else "trained, broke a limit"
    return f"[yellow]{what}[/yellow] (tuner.constraints; see its run)"
