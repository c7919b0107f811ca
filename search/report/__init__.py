"""What explains a finished search: a trials table, charts, and the notes shown in MLflow.

`naming` and `trials` are light (the tracker and the progress display use them); the chart
modules import matplotlib and scikit-learn, so they are only loaded by `write_report`.
"""

from search.report.naming import key_hyperparameters, trial_title
from search.report.trials import TrialRecord, TrialRecorder

__all__ = ["TrialRecord", "TrialRecorder", "key_hyperparameters", "trial_title"]
