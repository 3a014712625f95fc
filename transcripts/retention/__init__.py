"""Retention: deleting recordings' audio and transcripts when their time is up, and legal holds.

`selectors.py` says when a recording's audio and transcript expire and which have; `services.py`
deletes them (the worker runs `retention_sweep_daily`) and sets or lifts holds; `views.py` is
the legal hold button on the transcript page.
"""
