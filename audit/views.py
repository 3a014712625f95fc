"""The audit log page for staff: filter, page through, download as CSV."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from audit.exports import csv_lines
from audit.forms import AuditFilterForm
from audit.selectors import audit_entries

ENTRIES_PER_PAGE = 50
MAX_PAGE = 10_000
FILTERS = ("action", "person", "recording", "ip", "date_from", "date_to")


def _staff_only(request: HttpRequest) -> None:
    """Only staff read the log; to anyone else it does not exist."""
    if not request.user.is_staff:
        raise Http404("No such page.")


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The log, newest first, filtered and a page at a time."""
    _staff_only(request)
    form = AuditFilterForm(request.GET)
    query = _query_without(request, "page")
    context: dict[str, object] = {
        "form": form,
        "filtered": _filtered(request),
        "query": f"{query}&" if query else "",
        "csv_query": query,
    }
    try:
        number = _page_number(request.GET.get("page"))
        if not form.is_valid():
            raise ValidationError(_problems(form))
    except ValidationError as exc:
        context["problem"] = exc.messages[0]
        return render(request, "audit/log.html", context, status=400)
    entries = audit_entries(filters=form.filters(), linked=True)
    context["page"] = Paginator(entries, ENTRIES_PER_PAGE).get_page(number)
    return render(request, "audit/log.html", context)


@require_GET
def audit_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered log as a CSV file, streamed."""
    _staff_only(request)
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "filtered": True, "problem": _problems(form)}
        return render(request, "audit/log.html", context, status=400)
    response = StreamingHttpResponse(
        csv_lines(audit_entries(filters=form.filters())), content_type="text/csv; charset=utf-8"
    )
    name = f"parley-audit-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _problems(form: AuditFilterForm) -> str:
    """Every problem with the filters, each naming its field."""
    problems = []
    for field, errors in form.errors.items():
        label = "" if field == "__all__" else f"{form.fields[field].label}: "
        problems += [f"{label}{error}" for error in errors]
    return " ".join(problems)


def _page_number(raw: str | None) -> int:
    """`?page=N`, from 1 (the default) to MAX_PAGE."""
    text = (raw or "1").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 6) or not 1 <= int(text) <= MAX_PAGE:
        raise ValidationError(f"page must be a whole number from 1 to {MAX_PAGE:,}.")
    return int(text)


def _filtered(request: HttpRequest) -> bool:
    return any(request.GET.get(name) for name in FILTERS)


def _query_without(request: HttpRequest, *names: str) -> str:
    """This page's query string without `names`."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
