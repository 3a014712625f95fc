"""Staff review of recordings and segments."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from transcripts.models import Recording, Segment

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


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    """Every user's recordings."""

    list_display = ("title", "owner", "status", "source", "started_at", "duration", "segment_count")
    list_filter = ("status", "source", "started_at", "engine")
    search_fields = ("title", "owner__username", "owner__email")
    date_hierarchy = "started_at"
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = (
        "source",
        "engine",
        "model",
        "options",
        "started_at",
        "ended_at",
        "duration",
        "upstream_request_id",
    )
    inlines = (SegmentInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Recording]:
        return super().get_queryset(request).annotate(segment_count=Count("segments"))

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
