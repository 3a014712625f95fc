"""Staff review of recordings and segments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accounts.throttling import client_ip
from transcripts.auditing import Audit, Subject, audited
from transcripts.errors import ApplicationError
from transcripts.jobs.services import job_cancel, job_retry
from transcripts.models import Recording, RecordingShare, RecordingTag, Segment, TranscriptionJob
from transcripts.retention.services import recording_set_hold
from transcripts.sharing.services import sharing_changed

TIMING_FIELDS = ("index", "start", "end")


class SegmentInline(admin.TabularInline):
    """A recording's transcript, in order; timings are what the engine produced."""

    model = Segment
    fields = ("index", "start", "end", "speaker", "text", "confidence")
    readonly_fields = (*TIMING_FIELDS, "confidence")
    ordering = ("index",)
    extra = 0
    can_delete = False
    show_change_link = True


class ShareInline(admin.TabularInline):
    """Whom the recording is shared with; staff may share it again or stop a share (the
    search index and live viewers follow: RecordingAdmin.save_related)."""

    model = RecordingShare
    fields = ("user", "team", "role", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)
    extra = 0


class TagInline(admin.TabularInline):
    model = RecordingTag
    extra = 0


class JobInline(admin.TabularInline):
    """The recording's transcription jobs, newest first."""

    model = TranscriptionJob
    fields = ("kind", "status", "attempts", "progress", "error", "created_at", "finished_at")
    readonly_fields = fields
    ordering = ("-created_at",)
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    """Every user's recordings."""

    list_display = (
        "title", "owner", "status", "review_state", "source", "started_at", "duration",
        "segment_count", "behind",
    )  # fmt: skip
    list_filter = (
        ("owner", admin.RelatedOnlyFieldListFilter), "status", "review_state", "source",
        "started_at", "engine", "legal_hold",
    )  # fmt: skip
    search_fields = ("title", "owner__username", "owner__email")
    date_hierarchy = "started_at"
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = (
        "listen", "source", "engine", "model", "options", "started_at", "ended_at", "duration",
        "upstream_request_id", "audio", "source_url", "original_filename", "file_size",
        "media_format", "live_lag", "consent_text", "consent_version", "consent_by", "consent_at",
        "legal_hold", "audio_deleted_at",
        # The review state moves only through the workflow, which keeps the audit log.
        "review_state", "reviewer", "review_note", "review_changed_at",
    )  # fmt: skip
    inlines = (ShareInline, TagInline, JobInline, SegmentInline)
    actions = ("hold_set", "hold_lift")

    @admin.action(description="Place the selected recordings under legal hold")
    def hold_set(self, request: HttpRequest, queryset: QuerySet[Recording]) -> None:
        self._hold(request, queryset, held=True)

    @admin.action(description="Lift the legal hold of the selected recordings")
    def hold_lift(self, request: HttpRequest, queryset: QuerySet[Recording]) -> None:
        self._hold(request, queryset, held=False)

    def _hold(self, request: HttpRequest, queryset: QuerySet[Recording], *, held: bool) -> None:
        """Through the service, so each change is audited with who made it."""
        changed = queryset.exclude(legal_hold=held)
        count = 0
        for recording in changed:
            recording_set_hold(
                recording=recording, held=held, by=request.user, ip=client_ip(request)
            )
            count += 1
        done = "placed under legal hold" if held else "released from legal hold"
        self.message_user(request, f"{count} recording(s) {done}.", messages.SUCCESS)

    @admin.display(description="Audio")
    def listen(self, recording: Recording) -> str:
        if not recording.audio:
            return "No audio stored."
        url = reverse("transcripts:recording_audio", args=[recording.pk])
        return format_html('<audio controls preload="metadata" src="{}"></audio>', url)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """After shares changed here, who may read it follows, as on the owner's page."""
        super().save_related(request, form, formsets, change)
        sharing_changed(recording_id=form.instance.pk)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Recording]:
        return super().get_queryset(request).annotate(segment_count=Count("segments"))

    def delete_model(self, request: HttpRequest, obj: Recording) -> None:
        """A deletion here is in the audit log like the owner's own."""
        gone = Subject.of(obj)
        super().delete_model(request, obj)
        audited(request, Audit.DELETED, gone, "in the admin")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Recording]) -> None:
        """The "delete selected" action: an audit entry per recording deleted."""
        gone = [Subject(pk=pk, title=title) for pk, title in queryset.values_list("pk", "title")]
        super().delete_queryset(request, queryset)
        for subject in gone:
            audited(request, Audit.DELETED, subject, "in the admin")

    @admin.display(description="Behind (s)", ordering="live_lag")
    def behind(self, recording: Recording) -> str:
        """How far a live recording's transcription is behind its speaker."""
        return "" if recording.live_lag is None else f"{recording.live_lag:.1f}"

    @admin.display(description="Segments", ordering="segment_count")
    def segment_count(self, recording: Recording) -> int:
        return recording.segment_count  # type: ignore[attr-defined]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    """Segments across all recordings."""

    list_display = ("recording", "index", "start", "end", "speaker", "excerpt")
    list_filter = ("recording__status", "created_at")
    search_fields = ("text", "recording__title", "recording__owner__username")
    list_select_related = ("recording",)
    raw_id_fields = ("recording",)
    readonly_fields = (*TIMING_FIELDS, "words", "confidence", "created_at")

    @admin.display(description="Text")
    def excerpt(self, segment: Segment) -> str:
        return segment.text[:80]


@admin.register(TranscriptionJob)
class TranscriptionJobAdmin(admin.ModelAdmin):
    """Transcription jobs (uploads, refined live recordings): status, attempts, errors."""

    list_display = (
        "recording", "owner", "kind", "status", "attempts", "progress", "created_at", "problem",
    )  # fmt: skip
    list_filter = ("kind", "status", "created_at")
    search_fields = ("recording__title", "recording__owner__username", "error")
    list_select_related = ("recording__owner",)
    readonly_fields = (
        "recording", "kind", "status", "attempts", "token", "task_id", "lease_expires_at",
        "retry_at", "progress", "error", "created_at", "started_at", "finished_at",
    )  # fmt: skip
    actions = ("retry_jobs", "cancel_jobs")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Owner", ordering="recording__owner__username")
    def owner(self, job: TranscriptionJob) -> str:
        return job.recording.owner.get_username()

    @admin.display(description="Error")
    def problem(self, job: TranscriptionJob) -> str:
        return job.error[:100]

    @admin.action(description="Retry the selected failed or cancelled jobs")
    def retry_jobs(self, request: HttpRequest, queryset: QuerySet[TranscriptionJob]) -> None:
        self._apply(request, queryset, job_retry, "queued again")

    @admin.action(description="Cancel the selected queued or running jobs")
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet[TranscriptionJob]) -> None:
        self._apply(request, queryset, job_cancel, "cancelled")

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet[TranscriptionJob],
        action: Callable[..., TranscriptionJob],
        done: str,
    ) -> None:
        succeeded = 0
        for job in queryset.select_related("recording"):
            try:
                action(recording=job.recording)
                succeeded += 1
            except ApplicationError as exc:
                self.message_user(request, f"{job.recording}: {exc}", messages.WARNING)
        if succeeded:
            self.message_user(request, f"{succeeded} job(s) {done}.", messages.SUCCESS)
