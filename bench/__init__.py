"""Benchmarks run by ``make bench`` (``python -m bench``); results in docs/benchmarks.md."""
