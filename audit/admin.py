"""The audit log in the admin: read-only, filterable."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Entries can be read and filtered here; nobody adds, changes or deletes them."""

    list_display = ("at", "actor_name", "action", "recording_id", "recording_title", "ip")
    list_filter = ("action", "at")
    search_fields = ("actor_name", "recording_title", "detail", "=ip", "=recording_id")
    date_hierarchy = "at"
    fields = (
        "at", "actor", "actor_name", "action", "recording_id", "recording_title", "ip", "detail",
    )  # fmt: skip
    readonly_fields = fields
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
