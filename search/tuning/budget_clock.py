"""How long before the trials' deadline a running trial must stop training, so that the whole
command still ends within its budget (`search.budget`).

Two costs come after a trial's last training batch and are known only once trials ran:
- the trial's tail: its last (or partial) epoch validated, its statistics recomputed, its
  model measured, checkpointed and logged. On the quality benchmark's CIFAR-10 subset (2
  AVX2 cores) a trial cut at the deadline still took 3-6 s to end;
- the finishing work's test evaluation: the reserve is a share of the budget, blind to the
  test split's size. There 10,000 test images took 7-11 s of a 24 s reserve, and two of
  the twelve 240 s searches ended 9 s and 15 s past their budget.
So each process's clock keeps the longest tail seen and the longest validation (a fit's first
is left out: it traces the model's test step, a cost the test evaluation pays once, not per
image), and the trials stop training that much earlier: by the tail, and by the test evaluation
(the validation's time scaled to the test split, twice with the test-time flip) plus the rest
of the finishing work, beyond the reserve the budget already keeps for it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search.experiment import Experiment

log = logging.getLogger(__name__)

FINISH_FIXED_SECONDS = 8.0  # logging and registering the model, the report (5-6 s measured)
EVALUATION_MARGIN = 1.25  # the test evaluation's pace against the validations'


@dataclass
class BudgetClock:
    """What a process's trials measured of the work that follows their training."""

    reserve: float = 0.0  # seconds the budget keeps for the finishing work
    test_ratio: float = 0.0  # the test evaluation's seconds per validation second (0: unknown)
    tail: float = 0.0  # the longest seen from a trial's last training batch to its end
    validation: float = 0.0  # the longest validation seen, in seconds
    _last_batch: dict[str, float] = field(default_factory=dict)

    def batch_ended(self, trial_id: str) -> None:
        self._last_batch[trial_id] = time.monotonic()

    def validated(self, seconds: float) -> None:
        before = self.finish_extra
        self.validation = max(self.validation, seconds)
        if self.finish_extra >= before + 1.0:  # said once it matters, not at every validation
            log.info(
                "time budget: the test evaluation will take about %.0fs at the validations' "
                "pace; the trials end %.0fs earlier than planned to leave it the time",
                self.test_ratio * self.validation,
                self.finish_extra,
            )

    def trial_ended(self, trial_id: str) -> None:
        trained = self._last_batch.pop(trial_id, None)
        if trained is not None:
            self.tail = max(self.tail, time.monotonic() - trained)

    @property
    def finish_extra(self) -> float:
        """Seconds the finishing work needs beyond the budget's reserve for it."""
        if not self.test_ratio:
            return 0.0
        evaluation = EVALUATION_MARGIN * self.test_ratio * self.validation
        return max(0.0, FINISH_FIXED_SECONDS + evaluation - self.reserve)


def clock_for(experiment: Experiment, sizes: dict[str, int]) -> BudgetClock:
    """The clock of `experiment`'s search on splits of `sizes` examples: its test evaluation
    scales from the validations (with no budget or nothing to scale from, only tails count)."""
    from search.budget import finish_reserve

    max_seconds = experiment.tuner.max_seconds
    validation, test = sizes.get("validation", 0), sizes.get("test", 0)
    if not max_seconds or not validation or not test:
        return BudgetClock()
    flips = 2 if experiment.dataset.augment.test_time_flip else 1  # each image run twice
    return BudgetClock(reserve=finish_reserve(max_seconds), test_ratio=flips * test / validation)
