"""scikit-learn's ConvergenceWarning from the Bayesian tuner: said once, in words (issue 18)."""

from __future__ import annotations

import logging
import warnings

from sklearn.exceptions import ConvergenceWarning

from search.cli.common import CONVERGENCE_NOTE, convergence_warnings_once


def test_convergence_warnings_are_said_once_in_words(caplog) -> None:
    shown: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = lambda message, *args, **kwargs: shown.append(str(message))
        convergence_warnings_once()
        convergence_warnings_once()  # a second setup (another command) installs nothing more
        with caplog.at_level(logging.INFO, logger="search"):
            for _ in range(3):
                warnings.warn("lbfgs failed to converge (status=2)", ConvergenceWarning, 1)
            warnings.warn("something else", UserWarning, 1)
    assert [r.getMessage() for r in caplog.records] == [CONVERGENCE_NOTE]
    assert shown == ["something else"]  # other warnings still shown as they were
