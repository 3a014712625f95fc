"""Reads for the reviewer's desk: the queue's tabs and rows, the review page, the nav link."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Permission, User
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from review.comments.selectors import Discussion, discussion_of
from review.models import ReviewComment
from review.selectors import is_reviewer_for, review_queue
from teams.models import Membership, Team
from transcripts import selectors as transcript_selectors
from transcripts.access import REVIEW_PERMISSION, Access, recording_for, reviewing_teams
from transcripts.confidence import count_low, threshold_for
from transcripts.models import Recording, Segment

Review = Recording.Review
ROWS_PER_PAGE = 20
FIXED_TABS = (("waiting", "Waiting"), ("mine", "Mine"))


@dataclass(frozen=True)
class QueueRow:
    """A recording in the queue, with what the queue shows beside it."""

    recording: Recording
    low_words: int
    open_threads: int


@dataclass(frozen=True)
class DeskPage:
    """One page of one tab of the queue."""

    tabs: list[tuple[str, str]]
    view: str
    page: Page[Recording]
    rows: list[QueueRow]


def desk_tabs(*, user: User) -> list[tuple[str, str]]:
    """Waiting, Mine, and one tab per team the person reviews for, by name."""
    teams = Team.objects.filter(pk__in=reviewing_teams(user.pk)).order_by("name", "pk")
    return [*FIXED_TABS, *((f"team-{team.pk}", team.name) for team in teams)]


def _team_queue(user: User, team_id: int) -> QuerySet[Recording]:
    """Everything submitted to or in review in a team, whoever holds it (not one's own)."""
    return (
        Recording.objects.filter(
            team_id=team_id, review_state__in=[Review.SUBMITTED, Review.IN_REVIEW]
        )
        .exclude(owner_id=user.pk)
        .select_related("owner", "team", "reviewer")
        .order_by("review_changed_at", "pk")
    )


def desk_queue(*, user: User, view: str) -> QuerySet[Recording]:
    """A tab's recordings, oldest submission first; `view` is one of desk_tabs' keys."""
    if view in ("waiting", "mine"):
        return review_queue(user=user, view=view).select_related("reviewer")
    return _team_queue(user, int(view.removeprefix("team-")))


def queue_rows(recordings: list[Recording]) -> list[QueueRow]:
    """The rows with their unsure words and open threads, in two queries for the whole page."""
    ids = [recording.pk for recording in recordings]
    thresholds = {recording.pk: threshold_for(recording.engine) for recording in recordings}
    low = dict.fromkeys(ids, 0)
    for recording_id, words in Segment.objects.filter(recording_id__in=ids).values_list(
        "recording_id", "words"
    ):
        low[recording_id] += count_low(words or [], thresholds[recording_id])
    threads = dict(
        ReviewComment.objects.filter(recording_id__in=ids, parent=None, resolved_at=None)
        .values_list("recording_id")
        .annotate(n=Count("pk"))
        .values_list("recording_id", "n")
    )
    return [QueueRow(r, low[r.pk], threads.get(r.pk, 0)) for r in recordings]


def desk_page(*, user: User, view: str, number: int) -> DeskPage:
    """One page of a tab of the person's queue; 404 for a tab that is not theirs."""
    tabs = desk_tabs(user=user)
    if view not in {key for key, _ in tabs}:
        raise Http404("No such queue.")
    page = Paginator(desk_queue(user=user, view=view), ROWS_PER_PAGE).get_page(number)
    return DeskPage(tabs=tabs, view=view, page=page, rows=queue_rows(list(page.object_list)))


@dataclass(frozen=True)
class DeskSummary:
    """What the main navigation says about reviewing: whether to link the desk, and how
    many transcripts wait."""

    reviews: bool
    waiting: int


def desk_summary(*, user: User) -> DeskSummary:
    """Whether the person reviews anything, and how much waits for them, in one query."""
    permission = Permission.objects.filter(
        codename=REVIEW_PERMISSION, content_type__app_label="transcripts"
    )
    waiting = Recording.objects.filter(pk__in=review_queue(user=user).values("pk")).order_by()
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            holds=Exists(permission.filter(Q(group__user=OuterRef("pk")) | Q(user=OuterRef("pk")))),
            appointed=Exists(Membership.objects.filter(user_id=OuterRef("pk"), reviewer=True)),
            waiting=Subquery(
                waiting.annotate(n=Func(F("pk"), function="COUNT")).values("n"),
                output_field=IntegerField(),
            ),
        )
        .values("is_active", "is_superuser", "holds", "appointed", "waiting")
        .first()
    )
    if row is None or not row["is_active"]:
        return DeskSummary(reviews=False, waiting=0)
    reviews = row["is_superuser"] or row["holds"] or row["appointed"]
    return DeskSummary(reviews=bool(reviews), waiting=row["waiting"] or 0)


def recording_to_review(*, user: User, recording_id: int) -> Recording:
    """The recording if `user` reviews it (never their own), else 404."""
    recording = recording_for(user=user, recording_id=recording_id, need=Access.VIEW)
    if recording.owner_id == user.pk or not is_reviewer_for(user=user, recording=recording):
        raise Http404("No such recording.")
    return recording


@dataclass(frozen=True)
class ReviewPage:
    """What the review page shows of one recording."""

    passages: list[tuple[Segment, list[ReviewComment]]]
    threshold: float
    low_words: int
    discussion: Discussion
    holding: bool
    may_take: bool


def review_page_of(*, user: User, recording: Recording) -> ReviewPage:
    """The transcript with its unsure words, the threads by passage, and what may be done."""
    segments = list(transcript_selectors.segment_list(recording=recording))
    threshold = threshold_for(recording.engine)
    state = recording.review_state
    discussion = discussion_of(recording=recording)
    return ReviewPage(
        passages=[(s, discussion.by_segment.get(s.index, [])) for s in segments],
        threshold=threshold,
        low_words=sum(count_low(segment.words, threshold) for segment in segments),
        discussion=discussion,
        holding=state == Review.IN_REVIEW and recording.reviewer_id == user.pk,
        may_take=state == Review.SUBMITTED and recording.reviewer_id in (None, user.pk),
    )
