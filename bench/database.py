"""The benchmark's own throwaway database: creation, migration, logged-in users, final checks.

Django is set up in the benchmark's parent process only (the client workers never import it);
`setup_django` must run after the environment names the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_URL = "postgres://postgres@127.0.0.1:5432/{name}"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class BenchDatabase:
    """A fresh SQLite file (in `workdir`) or PostgreSQL database, dropped by `drop()`."""

    def __init__(self, kind: str, workdir: Path, name: str = "") -> None:
        self.kind = kind
        self.name = name or f"parley_bench_{os.getpid()}"
        sqlite_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        self.url = PG_URL.format(name=self.name) if kind == "postgres" else sqlite_url
        self._created = False

    def create(self) -> None:
        """Create the PostgreSQL database (SQLite's file appears with the first migration)."""
        if self.kind == "postgres":
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                # A named database (--pg-database) is the caller's own: start it afresh.
                drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                conn.execute(drop.format(sql.Identifier(self.name)))
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        self._created = True

    def migrate(self, env: dict[str, str]) -> None:
        """Run `manage.py migrate` against this database."""
        command = [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"]
        subprocess.run(command, cwd=ROOT, env=env, check=True)

    def drop(self) -> None:
        """Drop the PostgreSQL database; the SQLite file goes with the temporary directory."""
        if self.kind != "postgres" or not self._created:
            return
        close_django_connections()
        # FORCE ends sessions still open, e.g. a pool of a Daphne that was killed.
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(statement.format(sql.Identifier(self.name)))
        self._created = False


def setup_django(env: dict[str, str]) -> None:
    """Configure Django in this process for the benchmark database."""
    import django

    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()


def close_django_connections() -> None:
    """Close this process's database connections (and the pool), if Django is set up."""
    if "django.db" not in sys.modules:
        return
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()
        if hasattr(conn, "close_pool"):
            conn.close_pool()


def make_session_cookies(count: int) -> list[str]:
    """`count` users, each with a real logged-in session; returns the session cookies."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User

    store = import_module(settings.SESSION_ENGINE).SessionStore
    cookies = []
    for number in range(count):
        # No password: nothing slow to hash, and the session hash still covers the field.
        user = User.objects.create_user(f"bench-{number}", password=None)
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = MODEL_BACKEND
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        cookies.append(session.session_key)
    close_django_connections()
    return cookies


@dataclass
class DatabaseCheck:
    """What the database says about one run's recordings."""

    problems: list[str]
    completed: int
    inserted_at: dict[int, float]  # segment id → wall-clock time Django built the row
    saved: dict[int, int]  # recording id → segments saved
    request_ids: dict[int, str]  # recording id → the (last) upstream request id
    archive_seconds: dict[int, float]  # recording id → seconds of audio in its stored archive
    refine_queued: int  # recordings with a refine job waiting


def check_recordings(seen: dict[int, int]) -> DatabaseCheck:
    """Every recording the clients saw is completed with as many segments as finals seen."""
    from django.db.models import Count

    from transcripts.models import Recording, Segment, TranscriptionJob

    rows = Recording.objects.filter(pk__in=seen).annotate(saved=Count("segments"))
    found = {r.pk: (r.status, r.saved) for r in rows.only("pk", "status")}
    problems = []
    for pk, finals in sorted(seen.items()):
        status, saved = found.get(pk, ("missing", 0))
        if status != Recording.Status.COMPLETED or saved != finals:
            problems.append(f"recording {pk}: {status}, {saved} segments saved, {finals} seen")
    segments = Segment.objects.filter(recording_id__in=seen).values_list("pk", "created_at")
    inserted_at = {pk: created.timestamp() for pk, created in segments}
    completed = sum(1 for status, _ in found.values() if status == Recording.Status.COMPLETED)
    recordings = Recording.objects.filter(pk__in=seen)
    refine = TranscriptionJob.objects.filter(
        recording_id__in=seen, kind=TranscriptionJob.Kind.REFINE
    )
    check = DatabaseCheck(
        problems=problems,
        completed=completed,
        inserted_at=inserted_at,
        saved={pk: saved for pk, (_, saved) in found.items()},
        request_ids=dict(recordings.values_list("pk", "upstream_request_id")),
        archive_seconds={r.pk: _archive_seconds(r) for r in recordings.only("pk", "audio")},
        refine_queued=refine.values("recording_id").distinct().count(),
    )
    close_django_connections()
    return check


def _archive_seconds(recording: Any) -> float:
    """Seconds of audio in a recording's stored archive (0 when none was stored)."""
    from transcripts.live.archive import ogg_duration

    if not recording.audio:
        return 0.0
    return ogg_duration(Path(recording.audio.path))
