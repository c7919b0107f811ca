"""A real `mlflow server` on 127.0.0.1 for tests: the application's own, over `root/mlflow.db`."""

from __future__ import annotations

from pathlib import Path

from search.tracking.server import TrackingServer, free_port

__all__ = ["MlflowServer", "free_port"]


class MlflowServer(TrackingServer):
    """`mlflow server` over `root/mlflow.db`, its log in `root/server.log`."""

    def __init__(self, root: Path, port: int) -> None:
        super().__init__(root / "mlflow.db", port, root / "server.log")
        self.root = root
