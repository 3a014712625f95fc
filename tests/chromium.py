"""Debian's Chromium for the browser tests: skipped without it, unless every leg must run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"


def require_chromium() -> None:
    """Skip the calling test module when Chromium is missing (fail with PARLEY_REQUIRE_ALL_LEGS)."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("PARLEY_REQUIRE_ALL_LEGS") == "1":
        raise RuntimeError(f"{CHROMIUM} is missing and PARLEY_REQUIRE_ALL_LEGS=1")
    pytest.skip(
        f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
        allow_module_level=True,
    )
