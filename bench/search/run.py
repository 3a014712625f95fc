"""One database: create it, fill it, time the searches on it, tear it down."""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.database import BenchDatabase, close_django_connections, setup_django
from bench.live_load import base_env
from bench.search.constants import LABELS, QUERY_USER, SEGMENTS_PER_RECORDING, USERS
from bench.search.data import SpeechMaker, plan_recordings
from bench.search.figures import figures
from bench.search.load import (
    Corpus,
    Loader,
    analyse_postgres,
    analyse_sqlite,
    load_postgres,
    load_sqlite,
    sizes_postgres,
    sizes_sqlite,
)
from bench.search.queries import BenchQuery, QueryMaker, UserSegment, expected_total, user_index
from bench.search.timing import Timed, explain, time_queries
from bench.search.vocabulary import Vocabulary, build_vocabulary


def create_users() -> list[int]:
    """USERS users, search-00 to search-49; their ids in order."""
    from django.contrib.auth.models import User

    users = [User(username=f"search-{n:02d}") for n in range(USERS)]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users)
    ids = list(
        User.objects.filter(username__startswith="search-")
        .order_by("username")
        .values_list("pk", flat=True)
    )
    close_django_connections()
    return ids


def build(
    kind: str, db: BenchDatabase, path: Path, segments: int
) -> tuple[dict[str, Any], Corpus, Vocabulary]:
    """Users, recordings, segments; then statistics; returns the setup figures."""
    vocabulary = build_vocabulary()
    corpus = Corpus(plan_recordings(segments // SEGMENTS_PER_RECORDING))
    maker = SpeechMaker(vocabulary)
    loader = Loader(maker, corpus, create_users())
    began = time.perf_counter()
    if kind == "postgres":
        load_postgres(loader, db.url)
    else:
        load_sqlite(loader, path)
    loaded = time.perf_counter()
    print(f"  loaded in {loaded - began:.0f} s; statistics ...", flush=True)
    if kind == "postgres":
        analyse_postgres(db.url)
    else:
        analyse_sqlite(path)
    analysed = time.perf_counter()
    setup = {
        "users": USERS,
        "recordings": len(corpus.plans),
        "segments": corpus.segments,
        "words": maker.words,
        "vocabulary_entries": len(vocabulary.entries),
        "generate_seconds": loader.seconds,
        "load_seconds": loaded - began,
        "analyse_seconds": analysed - loaded,
        "sizes": sizes_postgres(db.url) if kind == "postgres" else sizes_sqlite(path),
    }
    return setup, corpus, vocabulary


def measure(
    corpus: Corpus, vocabulary: Vocabulary
) -> tuple[list[Timed], list[Timed], list[UserSegment]]:
    """The 200 queries and the page-11 ones, for the timed user."""
    from django.contrib.auth.models import User

    user = User.objects.get(username=f"search-{QUERY_USER:02d}")
    segments = user_index(corpus)
    maker = QueryMaker(vocabulary, segments)
    queries = maker.all()
    words = [*maker.very_common, *maker.common]
    totals = {w: expected_total(BenchQuery("", w), segments) for w in words}
    timed = time_queries(user, queries, segments)
    deep = time_queries(user, maker.deep_pages(totals), segments)
    return timed, deep, segments


def server_version(kind: str) -> str:
    """The database engine and its version."""
    from django.db import connection

    if kind == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


def run_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    """Create, fill and search one database; tears it down unless --keep."""
    with ExitStack() as stack:
        keep_files = args.keep and kind == "sqlite"  # PostgreSQL leaves nothing in it
        temporary = tempfile.TemporaryDirectory(prefix="parley-search-", delete=not keep_files)
        workdir = Path(stack.enter_context(temporary))
        db = BenchDatabase(kind, workdir)
        if not args.keep:
            stack.callback(db.drop)
        stack.callback(close_django_connections)
        db.create()
        env = base_env(db, workdir, postgres=False)  # no Redis: search needs no channel layer
        db.migrate(env)
        setup_django(env)
        path = workdir / "bench.sqlite3"
        print(f"{LABELS[kind]}: writing {args.segments:,} segments ...", flush=True)
        setup, corpus, vocabulary = build(kind, db, path, args.segments)
        print(f"  {LABELS[kind]}: timing the queries ...", flush=True)
        timed, deep, segments = measure(corpus, vocabulary)
        run = figures(kind, setup, timed, deep)
        run["user_segments"] = len(segments)
        run["server"] = server_version(kind)
        if args.explain:
            run["plans"] = [line for t in slowest_per_class(timed) for line in explain(t, kind)]
        if args.keep:
            print(f"kept {db.url if kind == 'postgres' else path}", flush=True)
        return run


def slowest_per_class(timed: list[Timed]) -> list[Timed]:
    """The slowest query of each class."""
    slowest: dict[str, Timed] = {}
    for t in timed:
        if t.query.kind not in slowest or t.ms > slowest[t.query.kind].ms:
            slowest[t.query.kind] = t
    return list(slowest.values())
