"""Imports TensorFlow without its C++ start-up lines on stderr (oneDNN notice, absl warning).

Those lines are written by native code at import time, before any Python logging setting
applies; disabling oneDNN would silence them but costs CPU speed. So stderr's file
descriptor is pointed at a temporary file during the import, and replayed if it fails.
"""

from __future__ import annotations

import os
import sys
import tempfile


def import_tensorflow_quietly() -> None:
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
