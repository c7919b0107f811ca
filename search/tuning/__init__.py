"""Tuning: spaces as keras-tuner hypermodels, tuners by name, the oracle wrapper and the one
training path every trial, retrain and `search train` goes through."""
