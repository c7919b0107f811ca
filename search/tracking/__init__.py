"""MLflow behind one package: the only code that imports mlflow.

- `schema`: every tag, param, artifact and alias name, defined once;
- `store`: where the store is (URI resolution) and how to open it;
- `writer` (a search and its trials), `train_run` (a `search train` run), `models`, `describe`:
  what is written, always through `journal` (durable, replayed by `search sync`);
- `reader`: what `reuse/`, `distributed/`, the runner and the CLI read back;
- `server`: a local `mlflow server` for parallel searches.
"""

from __future__ import annotations

from search.tracking.store import connect, experiment_id, resolve_tracking_uri, ui_command

__all__ = ["connect", "experiment_id", "resolve_tracking_uri", "ui_command"]
