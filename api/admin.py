"""Staff see every API token and revoke them."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "hint",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
        "state",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "hint")
    fields = (
        "user",
        "name",
        "hint",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    readonly_fields = fields
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        queryset.filter(revoked_at=None).update(revoked_at=timezone.now())
