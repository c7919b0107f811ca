"""Benchmarks: each figure is a ratio of two things measured side by side in one process.

Run with `search bench` (all, about 15 minutes on 2 cores) or `search bench --quick`
(under 3 minutes, small sizes, for CI). Each benchmark runs in a fresh subprocess so that
memory and global Keras state (the precision policy) never leak from one into the next.
"""
