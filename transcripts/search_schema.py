"""The full-text index behind transcripts/search.py, in each database's own dialect.

PostgreSQL: a stored generated tsvector column with a GIN index. SQLite: a contentless
FTS5 table with the segment text and an owner token, kept in step by triggers on
segments. Both index runs of letters and digits: ASCII punctuation is replaced by spaces
first on PostgreSQL, so its parser does not keep e-mail addresses or decimals whole
where FTS5 would split them.

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

OWNER_OF = "'u' || (SELECT owner_id FROM transcripts_recording WHERE id = {row}.recording_id)"
DELETE_ROW = (
    "INSERT INTO transcripts_segment_fts (transcripts_segment_fts, rowid, text, owner) "
    f"VALUES ('delete', old.id, old.text, {OWNER_OF.format(row='old')});"
)
INSERT_ROW = (
    "INSERT INTO transcripts_segment_fts (rowid, text, owner) "
    f"VALUES (new.id, new.text, {OWNER_OF.format(row='new')});"
)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER transcripts_segment_fts_insert AFTER INSERT ON transcripts_segment "
    f"BEGIN {INSERT_ROW} END",
    "CREATE TRIGGER transcripts_segment_fts_delete AFTER DELETE ON transcripts_segment "
    f"BEGIN {DELETE_ROW} END",
    "CREATE TRIGGER transcripts_segment_fts_update AFTER UPDATE OF text ON transcripts_segment "
    f"BEGIN {DELETE_ROW} {INSERT_ROW} END",
]
SQLITE_DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS transcripts_segment_fts_insert",
    "DROP TRIGGER IF EXISTS transcripts_segment_fts_delete",
    "DROP TRIGGER IF EXISTS transcripts_segment_fts_update",
]
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE transcripts_segment_fts USING fts5("
    "text, owner, content='', tokenize='unicode61 remove_diacritics 0')",
    *SQLITE_TRIGGERS,
    "INSERT INTO transcripts_segment_fts (rowid, text, owner) "
    "SELECT s.id, s.text, 'u' || r.owner_id "
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


def create_index() -> migrations.RunPython:
    """The migration operation that creates the index (and fills it)."""
    return migrations.RunPython(
        _runner({"postgresql": POSTGRES_CREATE, "sqlite": SQLITE_CREATE}),
        _runner({"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}),
    )


def suspend_triggers() -> migrations.RunPython:
    """Before altering segments or recordings: SQLite's triggers out of the way."""
    return migrations.RunPython(
        _runner({"sqlite": SQLITE_DROP_TRIGGERS}), _runner({"sqlite": SQLITE_TRIGGERS})
    )


def resume_triggers() -> migrations.RunPython:
    """After altering segments or recordings: SQLite's triggers back."""
    return migrations.RunPython(
        _runner({"sqlite": SQLITE_TRIGGERS}), _runner({"sqlite": SQLITE_DROP_TRIGGERS})
    )
