"""Domain errors: one root, turned into one stderr line and an exit code at the CLI edge."""

from __future__ import annotations


class SearchError(Exception):
    """A failure the user can act on; exit code 1."""

    exit_code = 1


class ConfigError(SearchError):
    """Bad user input (experiment file, names, values); exit code 2, like click usage errors."""

    exit_code = 2


class UnknownNameError(ConfigError):
    """A name that no registry knows."""


class DatasetError(SearchError):
    """A dataset that cannot be loaded or prepared."""


class FolderLayoutError(DatasetError, ConfigError):
    """A folder whose classes cannot make a classification (exit 2: the user's files)."""


class SpaceMismatchError(ConfigError):
    """A dataset whose shape or modality the space cannot take."""


class TrackingError(SearchError):
    """The MLflow tracking store cannot be reached or written."""


class TrainingError(SearchError):
    """A model's training went wrong in a way more epochs cannot fix (a non-finite loss)."""


class DataFileError(ConfigError):
    """Files of a folder dataset that cannot be read (exit 2: the user's files, not ours)."""
