"""Datasets through TFDS: `loading` opens them, `spec` describes them, `pipeline` feeds them.

Kept free of imports so that light modules (spaces, the CLI) do not pull in TFDS.
"""
