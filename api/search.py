"""Full-text search over everything the caller may read, as on the search page."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router

from api.auth import need_scope
from api.recordings import ERRORS, page_bounds
from api.schemas import SearchPage
from transcripts.search import selectors as search
from transcripts.text import one_line

router = Router(tags=["search"])


@router.get("/search", response={200: SearchPage} | ERRORS)
def search_segments(
    request: HttpRequest,
    q: str,
    date_from: date | None = None,
    date_to: date | None = None,
    source: str = "",
    page: int = 1,
    per_page: int = 20,
) -> dict[str, object]:
    """Segments matching `q`: words, "phrases", -exclusions, tag:name, owner:username; best
    first. Searches everything you may read: yours, and what people and teams share with you."""
    need_scope(request, "read")
    page, per_page = page_bounds(page, per_page)
    query = search.parse_query(one_line(q))
    if query.kinds:  # marks are searched on the search page; a mark is not a segment
        raise ValidationError("kind: finds marks, which this endpoint does not return.")
    if query.is_empty:
        raise ValidationError("q needs at least one word to search for.")
    if source not in ("", "live", "upload"):
        raise ValidationError("source is live, upload, or empty for both.")
    if date_from and date_to and date_from > date_to:
        raise ValidationError("date_from is after date_to.")
    filters = search.SearchFilters(date_from=date_from, date_to=date_to, source=source)
    result = search.search_segments(
        user=request.user, query=query, filters=filters,
        limit=per_page, offset=(page - 1) * per_page,
    )  # fmt: skip
    hits = [
        {
            "recording": hit.recording_id,
            "recording_title": hit.recording_title,
            "start": hit.start,
            "text": hit.text,
            "snippet_html": str(hit.snippet),
        }
        for hit in result.hits
    ]
    more = page * per_page < result.total
    return {
        "items": hits,
        "page": page,
        "per_page": per_page,
        "total": result.total,
        "next_page": page + 1 if more else None,
    }
