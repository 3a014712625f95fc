"""Load benchmarks for Parley: `python bench/live_load.py`, `python -m bench.search`, etc."""
