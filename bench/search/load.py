"""Writing it: rows straight into SQLite or PostgreSQL, then statistics and sizes."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.search.constants import BATCH_RECORDINGS, SEGMENTS_PER_RECORDING
from bench.search.data import PlannedRecording, SpeechMaker
from bench.search.sharing import Sharing


def db_time(moment: datetime) -> Any:
    """A datetime as Django writes it to this database (text on SQLite)."""
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(moment)


@dataclass
class Table:
    """An INSERT/COPY shape: the columns we fill, then every other column at its default."""

    name: str
    columns: list[str]
    constants: tuple[Any, ...]

    @classmethod
    def of(cls, model: Any, supplied: list[str]) -> Table:
        """The model's table: `supplied` attnames first, the others' prepared defaults."""
        from django.db import connection

        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        by_name = {f.attname: f for f in fields}
        rest = [f for f in fields if f.attname not in supplied]
        for missing in [f for f in rest if _needs_value(f)]:
            raise RuntimeError(f"{model.__name__}.{missing.name} has no default: add it here")
        constants = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        columns = [by_name[name].column for name in supplied] + [f.column for f in rest]
        return cls(model._meta.db_table, columns, constants)

    def column_list(self) -> str:
        """The quoted column names, comma-separated."""
        return ", ".join(f'"{column}"' for column in self.columns)


def _needs_value(model_field: Any) -> bool:
    """A NOT NULL column without a default ("" counts for text columns)."""
    return not (model_field.has_default() or model_field.null or model_field.empty_strings_allowed)


# The attnames each loader row starts with, in this order.
RECORDING_FIELDS = ["owner_id", "title", "source", "language", "engine", "model", "status"]
RECORDING_FIELDS += ["started_at", "ended_at", "duration", "team_id", "readers"]
SHARE_FIELDS = ["recording_id", "user_id", "team_id", "role"]
TAG_FIELDS = ["recording_id", "name"]
SEGMENT_FIELDS = ["recording_id", "index", "start", "end", "text", "speaker", "confidence"]
SEGMENT_FIELDS += ["words", "edited", "created_at"]


@dataclass
class Corpus:
    """What was generated: the plan, who each recording is shared with, the segment count."""

    plans: list[PlannedRecording]
    sharings: list[Sharing]
    segments: int = 0


@dataclass
class People:
    """Database ids of the people (by index) and teams (by index)."""

    user_ids: list[int]
    team_ids: list[int] = field(default_factory=list)


class Loader:
    """Writes recordings, their shares and tags, and segments, batch by batch, to one database."""

    def __init__(self, maker: SpeechMaker, corpus: Corpus, people: People) -> None:
        from transcripts.models import Recording, RecordingShare, RecordingTag, Segment

        self.maker, self.corpus, self.people = maker, corpus, people
        self.seconds = 0.0  # making rows, in Python
        self.recordings = Table.of(Recording, RECORDING_FIELDS)
        self.segments = Table.of(Segment, SEGMENT_FIELDS)
        self.shares = Table.of(RecordingShare, SHARE_FIELDS)
        self.tags = Table.of(RecordingTag, TAG_FIELDS)

    def segment_batches(self, recording_ids: list[int]) -> Iterator[list[tuple[Any, ...]]]:
        """Rows of BATCH_RECORDINGS recordings at a time; fills in each plan's end time."""
        batch: list[tuple[Any, ...]] = []
        began = time.perf_counter()
        for plan, recording_id in zip(self.corpus.plans, recording_ids, strict=True):
            spoken = self.maker.recording(SEGMENTS_PER_RECORDING)
            plan.duration = spoken[-1].end
            plan.ended_at = plan.started_at + timedelta(seconds=plan.duration)
            created = db_time(plan.ended_at)
            for index, s in enumerate(spoken):
                batch.append(
                    (
                        recording_id,
                        index,
                        s.start,
                        s.end,
                        s.text,
                        s.speaker,
                        s.confidence,
                        s.words_json,
                        False,
                        created,
                        *self.segments.constants,
                    )
                )
            self.corpus.segments += len(spoken)
            if len(batch) >= BATCH_RECORDINGS * SEGMENTS_PER_RECORDING:
                self.seconds += time.perf_counter() - began
                yield batch
                batch, began = [], time.perf_counter()
        self.seconds += time.perf_counter() - began
        if batch:
            yield batch

    def _shared_with(self, sharing: Sharing) -> list[tuple[int | None, int | None, str]]:
        """(user_id, team_id, role) of a recording's shares, in the order they are written."""
        shares: list[tuple[int | None, int | None, str]] = []
        if sharing.team is not None:  # saved to the team's library: editors, as the app does
            shares.append((None, self.people.team_ids[sharing.team], "editor"))
        if sharing.person is not None:
            shares.append((self.people.user_ids[sharing.person], None, "viewer"))
        return shares

    def recording_rows(self) -> list[tuple[Any, ...]]:
        """Recording rows, readers included (before any segment: the SQLite triggers copy
        them); `ended_at` and `duration` are set after the segments are known."""
        from transcripts.readers import readers_tokens

        rows = []
        for plan, sharing in zip(self.corpus.plans, self.corpus.sharings, strict=True):
            # Estimated for now: 100 segments of about 8 s; corrected after the segments.
            ended = plan.started_at + timedelta(seconds=800)
            owner_id = self.people.user_ids[plan.owner]
            shares = [(user, team) for user, team, _ in self._shared_with(sharing)]
            team_id = None if sharing.team is None else self.people.team_ids[sharing.team]
            rows.append(
                (
                    owner_id,
                    plan.title,
                    plan.source,
                    "en",
                    "deepgram",
                    "nova-3",
                    "completed",
                    db_time(plan.started_at),
                    db_time(ended),
                    800.0,
                    team_id,
                    readers_tokens(owner_id=owner_id, shares=shares),
                    *self.recordings.constants,
                )
            )
        return rows

    def share_rows(self, recording_ids: list[int]) -> list[tuple[Any, ...]]:
        """RecordingShare rows for every planned share."""
        rows = []
        for sharing, recording_id in zip(self.corpus.sharings, recording_ids, strict=True):
            for user_id, team_id, role in self._shared_with(sharing):
                rows.append((recording_id, user_id, team_id, role, *self.shares.constants))
        return rows

    def tag_rows(self, recording_ids: list[int]) -> list[tuple[Any, ...]]:
        """RecordingTag rows (names lower-case, as the app keeps them)."""
        return [
            (recording_id, name, *self.tags.constants)
            for sharing, recording_id in zip(self.corpus.sharings, recording_ids, strict=True)
            for name in sharing.tags
        ]

    def duration_rows(self, recording_ids: list[int]) -> list[tuple[Any, ...]]:
        """(ended_at, duration, id) per recording, once its segments are made."""
        return [
            (db_time(plan.ended_at), plan.duration, recording_id)
            for plan, recording_id in zip(self.corpus.plans, recording_ids, strict=True)
            if plan.ended_at is not None
        ]


def _placeholders(table: Table, marker: str) -> str:
    """One parameter marker per column."""
    return ", ".join([marker] * len(table.columns))


def load_sqlite(loader: Loader, path: Path) -> None:
    """executemany in big transactions; the FTS5 triggers fire per row."""
    insert = "INSERT INTO {} ({}) VALUES ({})"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA synchronous=NORMAL")  # as the app's connections
        conn.execute("PRAGMA cache_size=-262144")  # 256 MiB for the loader only
        rec, seg = loader.recordings, loader.segments
        conn.execute("BEGIN")
        conn.executemany(
            insert.format(rec.name, rec.column_list(), _placeholders(rec, "?")),
            loader.recording_rows(),
        )
        conn.execute("COMMIT")
        ids = [row[0] for row in conn.execute(f"SELECT id FROM {rec.name} ORDER BY id")]
        conn.execute("BEGIN")
        for table, rows in (
            (loader.shares, loader.share_rows(ids)),
            (loader.tags, loader.tag_rows(ids)),
        ):
            conn.executemany(
                insert.format(table.name, table.column_list(), _placeholders(table, "?")), rows
            )
        conn.execute("COMMIT")
        statement = insert.format(seg.name, seg.column_list(), _placeholders(seg, "?"))
        for batch in loader.segment_batches(ids):
            conn.execute("BEGIN")
            conn.executemany(statement, batch)
            conn.execute("COMMIT")
        update = f"UPDATE {rec.name} SET ended_at = ?, duration = ? WHERE id = ?"
        conn.execute("BEGIN")
        conn.executemany(update, loader.duration_rows(ids))
        conn.execute("COMMIT")


def load_postgres(loader: Loader, url: str) -> None:
    """COPY, committed per batch; the tsvector and the GIN index are kept up per row."""
    rec, seg = loader.recordings, loader.segments
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        with cursor.copy(f"COPY {rec.name} ({rec.column_list()}) FROM STDIN") as copy:
            for row in loader.recording_rows():
                copy.write_row(row)
        conn.commit()
        cursor.execute(f"SELECT id FROM {rec.name} ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        for table, rows in (
            (loader.shares, loader.share_rows(ids)),
            (loader.tags, loader.tag_rows(ids)),
        ):
            with cursor.copy(f"COPY {table.name} ({table.column_list()}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        conn.commit()
        for batch in loader.segment_batches(ids):
            with cursor.copy(f"COPY {seg.name} ({seg.column_list()}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
            conn.commit()
        update = f"UPDATE {rec.name} SET ended_at = %s, duration = %s WHERE id = %s"
        cursor.executemany(update, loader.duration_rows(ids))
        conn.commit()


def analyse_sqlite(path: Path) -> None:
    """ANALYZE, then checkpoint the WAL into the main file."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def analyse_postgres(url: str) -> None:
    """VACUUM ANALYZE: statistics, visibility map, GIN pending list merged (as autovacuum)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def sizes_sqlite(path: Path) -> dict[str, int]:
    """Bytes: whole file, segments table, its indexes, the FTS5 index (dbstat)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
        indexes = {
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'index' "
                "AND tbl_name = 'transcripts_segment'"
            )
        }
    return {
        "database": path.stat().st_size,
        "segments_table": rows.get("transcripts_segment", 0),
        "segments_indexes": sum(size for name, size in rows.items() if name in indexes),
        "search_index": sum(v for k, v in rows.items() if k.startswith("transcripts_segment_fts")),
    }


def sizes_postgres(url: str) -> dict[str, int]:
    """Bytes: database, segments heap (+TOAST), its btree indexes, the GIN index."""
    gin = "pg_relation_size('transcripts_segment_search_readers')"
    query = f"""SELECT pg_database_size(current_database()),
        pg_table_size('transcripts_segment'),
        pg_indexes_size('transcripts_segment') - {gin},
        {gin}"""
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    keys = ("database", "segments_table", "segments_indexes", "search_index")
    return dict(zip(keys, row, strict=True))
