"""Who may read a recording, as the tokens the search index filters on.

`Recording.readers` holds `u<owner>`, then `u<person>` for each person it is shared with
and `t<team>` for each team; a searcher's own tokens are `u<self>` and `t<team>` for each
of their teams (search/selectors.py). A segment matches a search only if its tokens and the
searcher's meet, inside the full-text query itself (search/selectors.py). The tokens give
the same answer as access.recordings_visible(need=VIEW), which the tests check.

The index keeps a copy of each segment's tokens, written by triggers when segments are saved
(SQLite: the FTS table; PostgreSQL: `readers_vector`, in the GIN index beside the words);
when a recording's readers change, `readers_refresh` rewrites its rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from transcripts.models import Recording, RecordingShare


def readers_tokens(*, owner_id: int, shares: Iterable[tuple[int | None, int | None]]) -> str:
    """The readers of a recording with this owner and these (user_id, team_id) shares."""
    tokens = [f"u{owner_id}"]
    for user_id, team_id in shares:
        tokens.append(f"u{user_id}" if user_id is not None else f"t{team_id}")
    return " ".join(dict.fromkeys(tokens))


@transaction.atomic
def readers_refresh(*, recording_id: int) -> str:
    """Recompute a recording's readers from its shares; the index follows. Returns them."""
    recording = Recording.objects.select_for_update().only("owner_id", "readers")
    current = recording.get(pk=recording_id)
    shares = RecordingShare.objects.filter(recording_id=recording_id).order_by("pk")
    readers = readers_tokens(
        owner_id=current.owner_id, shares=shares.values_list("user_id", "team_id")
    )
    if readers != current.readers:
        _reindex(recording_id, before=current.readers, after=readers)
        Recording.objects.filter(pk=recording_id).update(readers=readers)
    return readers


def _reindex(recording_id: int, *, before: str, after: str) -> None:
    """The index's copy of the recording's readers, from the old to the new: PostgreSQL's
    readers_vector of each segment, SQLite's contentless FTS rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE transcripts_segment SET readers_vector = to_tsvector('simple', %s) "
                "WHERE recording_id = %s",
                [after, recording_id],
            )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO transcripts_segment_fts (transcripts_segment_fts, rowid, text, readers) "
            "SELECT 'delete', id, text, %s FROM transcripts_segment WHERE recording_id = %s",
            [before, recording_id],
        )
        cursor.execute(
            "INSERT INTO transcripts_segment_fts (rowid, text, readers) "
            "SELECT id, text, %s FROM transcripts_segment WHERE recording_id = %s",
            [after, recording_id],
        )
