"""Who may read and write a recording's review comments, and its threads."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Prefetch
from django.http import Http404

from review.models import ReviewComment
from review.selectors import is_reviewer_for
from transcripts.access import Access, access_of, recording_for
from transcripts.models import Recording


def may_discuss(*, user: User, recording: Recording) -> bool:
    """The owner, editors and the recording's reviewers (not viewers) share its comments:
    a reviewer while the access gate lets them read it as such (submitted to them or their
    team, held or decided by them)."""
    level = access_of(user=user, recording=recording)
    if level >= Access.EDIT:
        return True
    if level < Access.VIEW:
        return False
    return recording.reviewer_id == user.pk or is_reviewer_for(user=user, recording=recording)


def recording_for_discussion(*, user: User, recording_id: int) -> Recording:
    """The recording if `user` may read and write its comments, else 404."""
    recording = recording_for(user=user, recording_id=recording_id, need=Access.VIEW)
    if not may_discuss(user=user, recording=recording):
        raise Http404("No such recording.")
    return recording


def comment_for(*, user: User, comment_id: int) -> ReviewComment:
    """A comment on a recording `user` may discuss, else 404 (missing and forbidden alike)."""
    comment = ReviewComment.objects.filter(pk=comment_id).first()
    if comment is None:
        raise Http404("No such comment.")
    comment.recording = recording_for_discussion(user=user, recording_id=comment.recording_id)
    return comment


def threads_of(*, recording: Recording) -> list[ReviewComment]:
    """The recording's threads, oldest first, each with its replies and authors (2 queries)."""
    replies = ReviewComment.objects.select_related("author").order_by("created_at", "pk")
    return list(
        ReviewComment.objects.filter(recording=recording, parent=None)
        .select_related("author", "resolved_by")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "pk")
    )


@dataclass
class Discussion:
    """A recording's threads, those on a passage by its index and those on the whole."""

    by_segment: dict[int, list[ReviewComment]] = field(default_factory=dict)
    general: list[ReviewComment] = field(default_factory=list)
    open_count: int = 0


def discussion_of(*, recording: Recording) -> Discussion:
    """The threads grouped for the review page: beside their passage, or on the whole."""
    discussion = Discussion()
    for thread in threads_of(recording=recording):
        if thread.resolved_at is None:
            discussion.open_count += 1
        if thread.segment_index is None:
            discussion.general.append(thread)
        else:
            discussion.by_segment.setdefault(thread.segment_index, []).append(thread)
    return discussion
