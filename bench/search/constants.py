"""The benchmark's fixed shape: seed, sizes, date span, page, targets and paths."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SEED = 20261121
USERS = 50
SEGMENTS_PER_RECORDING = 100
QUERY_USER = 17  # the user whose searches are timed: search-17
SPAN_START = datetime(2024, 7, 1, tzinfo=UTC)
SPAN_DAYS = 730
UPLOAD_SHARE = 0.3
TEAM_SHARE = 0.3  # of recordings saved to one of the owner's teams
PERSON_SHARE = 0.05  # of recordings shared with one other person
TAG_NAMES = ("budget", "hiring", "customer", "roadmap", "security", "weekly", "board", "q3")
TAG_NAMES += ("design review", "follow-up")
BATCH_RECORDINGS = 500  # recordings per load transaction: 50,000 segments
PAGE_SIZE = 20
DEEP_OFFSET = 200  # page 11
TARGET_MS = {"postgres": 50.0, "sqlite": 100.0}
LABELS = {"postgres": "PostgreSQL", "sqlite": "SQLite"}
RESULTS = ROOT / "bench" / "results"
WORD = re.compile(r"[^\W_]+")  # the index's tokens, as in transcripts/search.py
