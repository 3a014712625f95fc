"""The review workflow: who may move a recording's review state where, and what follows.

    draft ──submit──▶ submitted ──take──▶ in review ──approve──▶ approved ──reopen──▶ draft
      ▲                  │ ▲                 │ │
      └────withdraw──────┘ └────release──────┘ └──request changes──▶ changes requested
                                                                       │ (owner edits)
                                             submitted ◀──resubmit─────┘

Owners and editors submit (optionally naming a reviewer), withdraw and resubmit; reviewers
take, release, approve, request changes (with a note) and reopen. Who may take which step
is decided in one place, selectors.review_refusal, which the pages ask too; nobody reviews
their own recording or what they submitted. Approval locks the text
(Recording.ensure_unlocked). Every step is one audit entry; the owner is told of
an approval or a request for changes on the page and, with mail configured, by mail.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_record
from review.models import MAX_NOTE_CHARS, ReviewNotice
from review.selectors import is_reviewer_for, review_refusal
from transcripts.errors import ApplicationError
from transcripts.models import Recording
from transcripts.text import clean_field, clean_paragraphs, one_line

Review = Recording.Review


def _locked_row(recording: Recording) -> Recording:
    return Recording.objects.select_for_update().select_related("owner").get(pk=recording.pk)


def _move(
    recording: Recording,
    *,
    to: Review,
    reviewer: User | None,
    note: str = "",
) -> Recording:
    recording.review_state = to
    recording.reviewer = reviewer
    recording.review_note = note
    recording.review_changed_at = timezone.now()
    if to == Review.DRAFT:
        recording.review_submitted_by = None
    fields = ["review_state", "reviewer", "review_note", "review_changed_at"]
    recording.save(update_fields=[*fields, "review_submitted_by"])
    return recording


def _check(recording: Recording, by: User, action: str) -> None:
    """Refuse the step unless `by` may take it now (selectors.review_refusal decides)."""
    refusal = review_refusal(user=by, recording=recording, action=action)
    if refusal:
        raise ApplicationError(refusal)


def _named_reviewer(recording: Recording, name: str, by: User) -> User | None:
    """The reviewer named by user name or e-mail, checked; None for the team's reviewers."""
    name = clean_field(name, limit=254, what="A reviewer")
    if not name:
        if recording.team_id is None:
            raise ValidationError("Name a reviewer: this recording belongs to no team.")
        return None
    users = User.objects.filter(is_active=True)
    found = users.filter(username=name).first() or users.filter(email__iexact=name).first()
    if found is None or not is_reviewer_for(user=found, recording=recording):
        raise ValidationError(f"{name} does not review this recording's transcripts.")
    if found.pk in (by.pk, recording.owner_id):
        raise ValidationError("Someone else must review it.")
    return found


@transaction.atomic
def review_submit(
    *, recording: Recording, by: User, reviewer_name: str = "", ip: str | None = None
) -> Recording:
    """Submit for review (owner or editor), to a named reviewer or the team's reviewers."""
    recording = _locked_row(recording)
    _check(recording, by, "submit")
    asked = recording.reviewer if recording.review_state == Review.CHANGES_REQUESTED else None
    if not one_line(reviewer_name) and asked is not None and asked.pk != by.pk:
        reviewer: User | None = asked  # a resubmission goes back to whoever asked for changes
    else:
        reviewer = _named_reviewer(recording, reviewer_name, by)
    recording.review_submitted_by = by  # who submitted never takes it (selectors._take_refusal)
    _move(recording, to=Review.SUBMITTED, reviewer=reviewer)
    detail = f"to {reviewer.get_username()}" if reviewer else "to the team's reviewers"
    audit_record(
        action=AuditEntry.Action.SUBMITTED, actor=by, recording=recording, ip=ip, detail=detail
    )
    return recording


@transaction.atomic
def review_withdraw(*, recording: Recording, by: User, ip: str | None = None) -> Recording:
    """Take a submission back to draft before a reviewer has taken it (owner or editor)."""
    recording = _locked_row(recording)
    _check(recording, by, "withdraw")
    _move(recording, to=Review.DRAFT, reviewer=None)
    audit_record(
        action=AuditEntry.Action.REOPENED, actor=by, recording=recording, ip=ip,
        detail="submission withdrawn",
    )  # fmt: skip
    return recording


@transaction.atomic
def review_take(*, recording: Recording, by: User, ip: str | None = None) -> Recording:
    """A reviewer takes a submitted transcript; it is theirs until they decide or release."""
    recording = _locked_row(recording)
    _check(recording, by, "take")
    _move(recording, to=Review.IN_REVIEW, reviewer=by)
    audit_record(action=AuditEntry.Action.TAKEN, actor=by, recording=recording, ip=ip)
    return recording


@transaction.atomic
def review_release(*, recording: Recording, by: User, ip: str | None = None) -> Recording:
    """The reviewer gives a transcript back to the team's reviewers (or the one named)."""
    recording = _locked_row(recording)
    _check(recording, by, "release")
    reviewer = None if recording.team_id is not None else recording.reviewer
    _move(recording, to=Review.SUBMITTED, reviewer=reviewer)
    audit_record(
        action=AuditEntry.Action.SUBMITTED, actor=by, recording=recording, ip=ip,
        detail="released by the reviewer",
    )  # fmt: skip
    return recording


@transaction.atomic
def review_approve(*, recording: Recording, by: User, ip: str | None = None) -> Recording:
    """Approve: the text is locked, and the owner is told."""
    recording = _locked_row(recording)
    _check(recording, by, "approve")
    _move(recording, to=Review.APPROVED, reviewer=by)
    audit_record(action=AuditEntry.Action.APPROVED, actor=by, recording=recording, ip=ip)
    _tell_owner(recording, by=by)
    return recording


@transaction.atomic
def review_request_changes(
    *, recording: Recording, by: User, note: str, ip: str | None = None
) -> Recording:
    """Send the transcript back with a note saying what to change; the owner is told."""
    note = clean_paragraphs(note, limit=MAX_NOTE_CHARS, what="A note")
    if not note:
        raise ValidationError("Say what needs to change.")
    recording = _locked_row(recording)
    _check(recording, by, "request_changes")
    _move(recording, to=Review.CHANGES_REQUESTED, reviewer=by, note=note)
    audit_record(
        action=AuditEntry.Action.CHANGES_REQUESTED, actor=by, recording=recording, ip=ip,
        detail=note,
    )  # fmt: skip
    _tell_owner(recording, by=by)
    return recording


@transaction.atomic
def review_reopen(
    *, recording: Recording, by: User, reason: str = "", ip: str | None = None
) -> Recording:
    """A reviewer reopens an approved transcript: it is a draft again, and editable."""
    reason = clean_paragraphs(reason, limit=MAX_NOTE_CHARS, what="A reason")
    recording = _locked_row(recording)
    _check(recording, by, "reopen")
    _move(recording, to=Review.DRAFT, reviewer=None)
    audit_record(
        action=AuditEntry.Action.REOPENED, actor=by, recording=recording, ip=ip, detail=reason
    )
    return recording


def _tell_owner(recording: Recording, *, by: User) -> None:
    notice = ReviewNotice.objects.create(
        recipient_id=recording.owner_id,
        recording=recording,
        outcome=recording.review_state,
        note=recording.review_note,
        reviewer_name=by.get_full_name() or by.get_username(),
    )
    if settings.EMAIL_CONFIGURED and recording.owner.email:
        transaction.on_commit(partial(_mail_notice, notice), robust=True)


def _mail_notice(notice: ReviewNotice) -> None:
    recording = notice.recording
    outcome = Review(notice.outcome).label.lower()
    link = f"{settings.PUBLIC_URL}{recording.get_absolute_url()}" if settings.PUBLIC_URL else ""
    lines = [f"{notice.reviewer_name}: {outcome} — “{recording.title}”."]
    if notice.note:
        lines += ["", notice.note]
    if link:
        lines += ["", link]
    send_mail(
        subject=f"Review: {recording.title} — {outcome}",
        message="\n".join(lines),
        from_email=None,
        recipient_list=[recording.owner.email],
    )


def notices_read(*, user: User, recording: Recording, upto: int | None = None) -> int:
    """The owner has seen how their recording's review went (the notices up to `upto`, the
    newest one shown, so that one arriving meanwhile is still shown); how many were marked."""
    unread = ReviewNotice.objects.filter(recipient=user, recording=recording, read_at=None)
    if upto is not None:
        unread = unread.filter(pk__lte=upto)
    return unread.update(read_at=timezone.now())
