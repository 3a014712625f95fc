"""Load benchmarks for Parley; run them as scripts, e.g. `python bench/live_load.py`."""
