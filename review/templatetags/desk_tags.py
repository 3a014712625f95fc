"""The reviewer's desk in other pages: the main navigation's link, the comments panel."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from review.comments.selectors import may_discuss, threads_of
from review.desk.selectors import desk_summary
from review.models import MAX_COMMENT_CHARS
from transcripts.models import Recording

register = template.Library()


@register.inclusion_tag("review/includes/nav_link.html", takes_context=True)
def review_nav(context: template.Context) -> dict[str, Any]:
    """A "Review" link with the waiting count, for people who review (one query)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"summary": None}
    return {"summary": desk_summary(user=request.user), "current": request.resolver_match}


@register.inclusion_tag("review/includes/comments.html", takes_context=True)
def review_comments(context: template.Context, recording: Recording) -> dict[str, Any]:
    """The recording's review comments, for its owner, editors and reviewers; else nothing."""
    request = context["request"]
    if not may_discuss(user=request.user, recording=recording):
        return {"shown": False}
    return {
        "shown": True,
        "recording": recording,
        "threads": threads_of(recording=recording),
        "next": request.get_full_path(),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def comment_limit() -> int:
    """The longest comment, for the forms' maxlength (review/models.py)."""
    return MAX_COMMENT_CHARS


@register.filter
def ago(moment: datetime | None) -> str:
    """How long ago, in words ("3 hours ago"), or "just now" within the minute."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"
