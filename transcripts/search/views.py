"""The search page: passages of transcripts, titles, and (with kind:) marks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from transcripts import params
from transcripts.forms import SearchForm
from transcripts.search import selectors as search
from transcripts.search.marks import search_marks

HITS_PER_PAGE = 20


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """Full-text search across everything the user has recorded."""
    form = SearchForm(request.GET)
    context: dict[str, object] = {"form": form}
    if form.is_valid() and form.cleaned_data["q"]:
        try:
            context |= _search(request, form, params.page_number(request.GET.get("page")))
        except ValidationError as exc:
            context["problem"] = exc.messages[0]
            return render(request, "transcripts/search.html", context, status=400)
    return render(request, "transcripts/search.html", context)


def _search(request: HttpRequest, form: SearchForm, page_number: int) -> dict[str, object]:
    text = form.cleaned_data["q"]
    query = search.parse_query(text)
    if query.is_empty and not query.kinds:
        return {"problem": "Add at least one word to search for; only excluded words were given."}
    filters = search.SearchFilters(
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
        source=form.cleaned_data["source"],
    )
    page = {"limit": HITS_PER_PAGE, "offset": (page_number - 1) * HITS_PER_PAGE}
    context: dict[str, object]
    if query.kinds:
        marks = search_marks(user=request.user, query=query, filters=filters, **page)
        context, total = {"marks_result": marks}, marks.total
    else:
        found = search.search_segments(user=request.user, query=query, filters=filters, **page)
        titles = search.recordings_titled(user=request.user, query=query, filters=filters)
        context, total = {"result": found, "titles": titles}, found.total
    has_next = page_number * HITS_PER_PAGE < total
    return context | {
        "page_number": page_number,
        "previous_url": _page_url(request, page_number - 1) if page_number > 1 else "",
        "next_url": _page_url(request, page_number + 1) if has_next else "",
        "truncated": len(text) > search.MAX_QUERY_CHARS,
    }


def _page_url(request: HttpRequest, number: int) -> str:
    """This search, on another page."""
    query = request.GET.copy()
    query["page"] = str(number)
    return f"?{query.urlencode()}"
