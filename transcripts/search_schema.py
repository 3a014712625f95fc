"""The full-text index behind transcripts/search/selectors.py, in each database's own dialect.

PostgreSQL: a stored generated tsvector column with a GIN index. SQLite: a contentless
FTS5 table with the segment text and its recording's readers (`Recording.readers`:
u<owner>, u<person shared with>, t<team shared with>), kept in step by triggers on
segments and, when the readers change, by transcripts/readers.py. PostgreSQL reads the
readers from the recording at query time. Both index runs of letters and digits: ASCII
punctuation is replaced by spaces first on PostgreSQL, so its parser does not keep e-mail
addresses or decimals whole where FTS5 would split them.

SQLite caveat for migrations: Django alters a table by rebuilding it, which drops the
triggers on segments and breaks those that read recordings. A migration that alters
either table wraps its operations in `suspend_triggers()` / `resume_triggers()`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import migrations

POSTGRES_CREATE = [
    r"""ALTER TABLE transcripts_segment ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig,
            regexp_replace(text, '[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+', ' ', 'g'))) STORED""",
    "CREATE INDEX transcripts_segment_search ON transcripts_segment USING gin (search_vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS transcripts_segment_search",
    "ALTER TABLE transcripts_segment DROP COLUMN IF EXISTS search_vector",
]

# Who may read a segment, as tokens the FTS query matches (transcripts/readers.py).
# Version 1 (migrations 0003-0006): the owner alone, in a column named "owner".
# Version 2 (0007 on): the recording's `readers`, in a column named "readers".
READERS_OF = {
    1: (
        "owner",
        "'u' || (SELECT owner_id FROM transcripts_recording WHERE id = {row}.recording_id)",
    ),
    2: ("readers", "(SELECT readers FROM transcripts_recording WHERE id = {row}.recording_id)"),
}
LATEST = 2


def sqlite_triggers(version: int = LATEST) -> list[str]:
    """The triggers that keep the FTS table in step with segments."""
    column, readers = READERS_OF[version]
    delete_row = (
        f"INSERT INTO transcripts_segment_fts (transcripts_segment_fts, rowid, text, {column}) "
        f"VALUES ('delete', old.id, old.text, {readers.format(row='old')});"
    )
    insert_row = (
        f"INSERT INTO transcripts_segment_fts (rowid, text, {column}) "
        f"VALUES (new.id, new.text, {readers.format(row='new')});"
    )
    return [
        "CREATE TRIGGER transcripts_segment_fts_insert AFTER INSERT ON transcripts_segment "
        f"BEGIN {insert_row} END",
        "CREATE TRIGGER transcripts_segment_fts_delete AFTER DELETE ON transcripts_segment "
        f"BEGIN {delete_row} END",
        "CREATE TRIGGER transcripts_segment_fts_update AFTER UPDATE OF text ON transcripts_segment "
        f"BEGIN {delete_row} {insert_row} END",
    ]


SQLITE_DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS transcripts_segment_fts_insert",
    "DROP TRIGGER IF EXISTS transcripts_segment_fts_delete",
    "DROP TRIGGER IF EXISTS transcripts_segment_fts_update",
]


def sqlite_create(version: int = LATEST, *, triggers: bool = True) -> list[str]:
    """The FTS table, its triggers, and the rows for the segments already there."""
    column, _ = READERS_OF[version]
    readers = "'u' || r.owner_id" if version == 1 else "r.readers"
    return [
        "CREATE VIRTUAL TABLE transcripts_segment_fts USING fts5("
        f"text, {column}, content='', tokenize='unicode61 remove_diacritics 0')",
        *(sqlite_triggers(version) if triggers else []),
        f"INSERT INTO transcripts_segment_fts (rowid, text, {column}) "
        f"SELECT s.id, s.text, {readers} "
        "FROM transcripts_segment s JOIN transcripts_recording r ON r.id = s.recording_id",
    ]


SQLITE_DROP = [*SQLITE_DROP_TRIGGERS, "DROP TABLE IF EXISTS transcripts_segment_fts"]


def _runner(statements: dict[str, list[str]]) -> Callable[[Any, Any], None]:
    def run(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor not in ("postgresql", "sqlite"):
            raise RuntimeError("Parley's search needs PostgreSQL or SQLite.")
        for statement in statements.get(vendor, []):
            schema_editor.execute(statement)

    return run


# Migration 0010 (superseded by 0011, which drops it): PostgreSQL's search filtered recordings
# with `string_to_array(readers, ' ') && ARRAY[...]`, answered by this index.
POSTGRES_READERS_INDEX = [
    "CREATE INDEX transcripts_recording_readers ON transcripts_recording "
    "USING gin (string_to_array(readers, ' '))",
]
POSTGRES_READERS_INDEX_DROP = ["DROP INDEX IF EXISTS transcripts_recording_readers"]


# Version 2 on PostgreSQL (migration 0011): each segment carries its recording's readers as a
# tsvector, beside its words, in one GIN index, so a search finds the user's own hits in the
# index alone (as FTS5 does). A trigger fills it on insert, reading the recording's readers
# under a share lock, so a change of readers (readers.py, which holds the recording's row lock)
# and a segment being saved cannot pass each other.
POSTGRES_SEGMENT_READERS = [
    "ALTER TABLE transcripts_segment ADD COLUMN readers_vector tsvector",
    "UPDATE transcripts_segment s SET readers_vector = to_tsvector('simple', r.readers) "
    "FROM transcripts_recording r WHERE r.id = s.recording_id",
    """CREATE FUNCTION transcripts_segment_readers() RETURNS trigger AS $$
    BEGIN
        NEW.readers_vector := to_tsvector('simple', (
            SELECT readers FROM transcripts_recording WHERE id = NEW.recording_id FOR SHARE));
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER transcripts_segment_readers BEFORE INSERT ON transcripts_segment "
    "FOR EACH ROW EXECUTE FUNCTION transcripts_segment_readers()",
    "CREATE INDEX transcripts_segment_search_readers ON transcripts_segment "
    "USING gin (search_vector, readers_vector)",
    "DROP INDEX IF EXISTS transcripts_segment_search",
    *POSTGRES_READERS_INDEX_DROP,
]
POSTGRES_SEGMENT_READERS_DROP = [
    *POSTGRES_READERS_INDEX,
    "CREATE INDEX IF NOT EXISTS transcripts_segment_search ON transcripts_segment "
    "USING gin (search_vector)",
    "DROP INDEX IF EXISTS transcripts_segment_search_readers",
    "DROP TRIGGER IF EXISTS transcripts_segment_readers ON transcripts_segment",
    "DROP FUNCTION IF EXISTS transcripts_segment_readers()",
    "ALTER TABLE transcripts_segment DROP COLUMN IF EXISTS readers_vector",
]


def segment_readers() -> migrations.RunPython:
    """PostgreSQL: the readers of every segment inside the full-text index."""
    return migrations.RunPython(
        _runner({"postgresql": POSTGRES_SEGMENT_READERS}),
        _runner({"postgresql": POSTGRES_SEGMENT_READERS_DROP}),
    )


def readers_index() -> migrations.RunPython:
    """PostgreSQL: a GIN index on each recording's readers (SQLite keeps them in FTS5)."""
    return migrations.RunPython(
        _runner({"postgresql": POSTGRES_READERS_INDEX}),
        _runner({"postgresql": POSTGRES_READERS_INDEX_DROP}),
    )


def create_index() -> migrations.RunPython:
    """The migration operation that creates the index (and fills it): version 1."""
    return migrations.RunPython(
        _runner({"postgresql": POSTGRES_CREATE, "sqlite": sqlite_create(1)}),
        _runner({"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}),
    )


def index_readers() -> migrations.RunPython:
    """Version 1 to 2: the index holds each recording's readers instead of its owner.

    Runs once `Recording.readers` is filled. PostgreSQL reads `readers` from the
    recording at query time and needs nothing here.
    """
    return migrations.RunPython(
        _runner({"sqlite": SQLITE_DROP + sqlite_create(2)}),
        # Back to version 1 without triggers: undoing suspend_triggers(1) adds them.
        _runner({"sqlite": SQLITE_DROP + sqlite_create(1, triggers=False)}),
    )


def suspend_triggers(version: int = 1) -> migrations.RunPython:
    """Before altering segments or recordings: SQLite's triggers out of the way."""
    return migrations.RunPython(
        _runner({"sqlite": SQLITE_DROP_TRIGGERS}), _runner({"sqlite": sqlite_triggers(version)})
    )


def resume_triggers(version: int = 1) -> migrations.RunPython:
    """After altering segments or recordings: SQLite's triggers back."""
    return migrations.RunPython(
        _runner({"sqlite": sqlite_triggers(version)}), _runner({"sqlite": SQLITE_DROP_TRIGGERS})
    )
