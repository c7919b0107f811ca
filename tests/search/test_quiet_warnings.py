"""Quiet stderr: ConvergenceWarning said once, logged failures in one line (issue 18)."""

from __future__ import annotations

import logging
import sys
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


def test_a_logged_failure_is_one_line_without_verbose() -> None:
    from search.cli.common import one_line_errors

    try:
        raise OSError(28, "No space left on device")
    except OSError:
        record = logging.LogRecord(
            "search.x", logging.ERROR, __file__, 1, "%s failed", ("Outbox",), sys.exc_info()
        )
    assert one_line_errors(record) and record.exc_info is None
    assert record.getMessage() == "Outbox failed: OSError: [Errno 28] No space left on device"
