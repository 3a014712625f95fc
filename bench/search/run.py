"""One database: create it, fill it, time the searches on it, tear it down."""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections import Counter
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
    People,
    analyse_postgres,
    analyse_sqlite,
    load_postgres,
    load_sqlite,
    sizes_postgres,
    sizes_sqlite,
)
from bench.search.queries import (
    BenchQuery,
    QueryMaker,
    UserSegment,
    expected_total,
    visible_index,
)
from bench.search.sharing import TEAM_NAMES, TEAMS, plan_sharing, team_plan, visible_by_plan
from bench.search.timing import Timed, explain, time_queries
from bench.search.vocabulary import Vocabulary, build_vocabulary


def create_people(teams: dict[int, list[int]]) -> People:
    """USERS users, search-00 to search-49, their teams and memberships; their ids in order."""
    from django.contrib.auth.models import User

    from teams.models import Membership, Team

    users = [User(username=f"search-{n:02d}") for n in range(USERS)]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users)
    ids = list(
        User.objects.filter(username__startswith="search-")
        .order_by("username")
        .values_list("pk", flat=True)
    )
    team_ids = []
    if any(teams.values()):
        made = Team.objects.bulk_create([Team(name=name) for name in TEAM_NAMES[:TEAMS]])
        team_ids = [team.pk for team in made]
        Membership.objects.bulk_create(
            Membership(team_id=team_ids[team], user_id=ids[person])
            for person, theirs in teams.items()
            for team in theirs
        )
    close_django_connections()
    return People(ids, team_ids)


def build(
    kind: str, db: BenchDatabase, path: Path, args: argparse.Namespace
) -> tuple[dict[str, Any], Vocabulary, dict[str, list[int]]]:
    """Users, teams, recordings, shares, tags, segments; then statistics.

    Returns the setup figures, the vocabulary and the timed user's recordings by the plan.
    """
    vocabulary = build_vocabulary()
    plans = plan_recordings(args.segments // SEGMENTS_PER_RECORDING)
    teams = team_plan(own_only=args.own_only)
    corpus = Corpus(plans, plan_sharing(plans, teams))
    maker = SpeechMaker(vocabulary)
    loader = Loader(maker, corpus, create_people(teams))
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
        "scenario": "own-only" if args.own_only else "teams",
        **_sharing_figures(corpus, teams),
        "segments": corpus.segments,
        "words": maker.words,
        "vocabulary_entries": len(vocabulary.entries),
        "generate_seconds": loader.seconds,
        "load_seconds": loaded - began,
        "analyse_seconds": analysed - loaded,
        "sizes": sizes_postgres(db.url) if kind == "postgres" else sizes_sqlite(path),
    }
    return setup, vocabulary, _visible_by_plan(corpus, teams)


def _sharing_figures(corpus: Corpus, teams: dict[int, list[int]]) -> dict[str, int]:
    """How many people, teams, memberships, recordings, shares and tags were written."""
    return {
        "users": USERS,
        "teams": TEAMS if any(teams.values()) else 0,
        "memberships": sum(len(theirs) for theirs in teams.values()),
        "recordings": len(corpus.plans),
        "team_shares": sum(1 for s in corpus.sharings if s.team is not None),
        "person_shares": sum(1 for s in corpus.sharings if s.person is not None),
        "tags": sum(len(s.tags) for s in corpus.sharings),
    }


def _visible_by_plan(corpus: Corpus, teams: dict[int, list[int]]) -> dict[str, list[int]]:
    """The timed user's recordings by the plan, as database ids, by why they are visible."""
    from transcripts.models import Recording

    ids = list(Recording.objects.order_by("pk").values_list("pk", flat=True))
    groups = visible_by_plan(corpus.plans, corpus.sharings, teams)
    return {why: sorted(ids[n] for n in positions) for why, positions in groups.items()}


def visibility(planned: dict[str, list[int]], segments: list[UserSegment]) -> dict[str, Any]:
    """What the timed user reads (by the reference rule), and whether the plan agrees."""
    visible = {seg.recording_id for seg in segments}
    per_recording = Counter(seg.recording_id for seg in segments)
    return {
        "recordings": len(visible),
        "segments": len(segments),
        **{f"{why}_recordings": len(ids) for why, ids in planned.items()},
        **{f"{why}_segments": sum(per_recording[pk] for pk in ids) for why, ids in planned.items()},
        "plan_agrees": visible == {pk for ids in planned.values() for pk in ids},
    }


def measure(vocabulary: Vocabulary) -> tuple[list[Timed], list[Timed], list[UserSegment]]:
    """The 210 queries and the page-11 ones, for the timed user."""
    from django.contrib.auth.models import User

    user = User.objects.get(username=f"search-{QUERY_USER:02d}")
    began = time.perf_counter()
    segments = visible_index(user)
    print(
        f"  search-{QUERY_USER:02d} reads {len(segments):,} segments "
        f"({time.perf_counter() - began:.1f} s to read them for the brute-force check)",
        flush=True,
    )
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
        db = BenchDatabase(kind, workdir, args.pg_database if kind == "postgres" else "")
        if not args.keep:
            stack.callback(db.drop)
        stack.callback(close_django_connections)
        db.create()
        env = base_env(db, workdir, None)  # no Redis: search needs no channel layer
        db.migrate(env)
        setup_django(env)
        path = workdir / "bench.sqlite3"
        print(f"{LABELS[kind]}: writing {args.segments:,} segments ...", flush=True)
        setup, vocabulary, planned = build(kind, db, path, args)
        print(f"  {LABELS[kind]}: timing the queries ...", flush=True)
        timed, deep, segments = measure(vocabulary)
        visible = visibility(planned, segments)
        run = figures(kind, setup, timed, deep)
        run["user_segments"] = len(segments)
        run["visible"] = visible
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
