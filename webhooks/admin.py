"""Staff see webhook endpoints, their deliveries and each attempt."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from webhooks.models import Attempt, Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    """Endpoints: whose, where, which events, whether enabled."""

    list_display = ["url", "owner", "team", "enabled", "failing_since", "created_at"]
    list_filter = ["enabled"]
    list_select_related = ["owner", "team"]
    search_fields = ["url", "owner__username", "team__name"]
    raw_id_fields = ["owner", "team"]
    readonly_fields = ["created_at", "failing_since"]


class AttemptInline(admin.TabularInline):
    """A delivery's attempts, read-only."""

    model = Attempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "status_code", "error", "duration_ms", "response_excerpt"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Deliveries with their attempts."""

    list_display = ["event_type", "event_id", "endpoint", "status", "attempts", "created_at"]
    list_filter = ["status", "event_type"]
    list_select_related = ["endpoint"]
    search_fields = ["event_id", "endpoint__url"]
    raw_id_fields = ["endpoint"]
    readonly_fields = ["event_id", "event_type", "payload", "attempts", "created_at"]
    inlines = [AttemptInline]
