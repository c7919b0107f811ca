"""Progress over trials on stderr: a bar with ETA and one line per finished trial."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from search.tuning.events import TrialOutcome


def short(hyperparameters: dict[str, Any], limit: int = 6) -> str:
    """The first few hyperparameters as `name=value`, floats in 3 significant digits."""
    parts = [
        f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in list(hyperparameters.items())[:limit]
    ]
    more = len(hyperparameters) - limit
    return " ".join(parts) + (f" (+{more})" if more > 0 else "")


class TrialProgress:
    """A `TrialListener` drawing a rich bar over trials; log lines print above it."""

    def __init__(self, console: Console, total: int | None, objective: str, maximize: bool) -> None:
        self.console = console
        self.objective = objective
        self.maximize = maximize
        self.best: float | None = None
        self.progress = Progress(
            TextColumn("[bold]trials"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("best {task.fields[best]}"),
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

    def trial_started(self, trial_id: str, hyperparameters: dict[str, Any]) -> None:
        self.progress.update(self.task, description=f"trial {trial_id}")

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        pass

    def trial_ended(self, outcome: TrialOutcome) -> None:
        score = outcome.score
        if (
            outcome.status == "COMPLETED"
            and score is not None
            and (self.best is None or (score > self.best if self.maximize else score < self.best))
        ):
            self.best = score
        best = "-" if self.best is None else f"{self.best:.4f}"
        result = (
            f"{self.objective}={score:.4f}"
            if score is not None
            else f"[red]{outcome.status}[/red] {escape(outcome.reason[:120])}"
        )
        self.console.print(
            f"trial {outcome.trial_id:>3}  {result}  best={best}  {outcome.seconds:5.1f}s  "
            f"[dim]{escape(short(outcome.hyperparameters))}[/dim]",
            markup=True,
            highlight=False,
            overflow="ellipsis",
            no_wrap=True,
        )
        self.progress.update(self.task, advance=1, best=best)
