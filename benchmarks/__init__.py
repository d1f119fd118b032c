"""Benchmarks: `python -m benchmarks` prints timings and ratios against baselines measured in the same run."""
