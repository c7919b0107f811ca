"""Tuning: spaces as keras-tuner hypermodels, tuners by name, and trial event hooks."""
