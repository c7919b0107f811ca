"""Reusing a finished search: its best trials, its best config as a file, retraining, warm starts.

Everything here reads what a search recorded in MLflow (`sources` turns a reference into
hyperparameters and a config) and feeds it back through the same pieces a search uses.
"""
