"""Staff manage teams: names, members and roles, glossaries, invitations."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, Field, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from teams.models import Invitation, Membership, Preferences, Team
from teams.retention import MAX_RETENTION_DAYS

RETENTION_FIELDS = ("audio_retention_days", "transcript_retention_days")


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "role", "reviewer", "joined_at")
    readonly_fields = ("joined_at",)
    autocomplete_fields = ("user",)
    extra = 0


class InvitationInline(admin.TabularInline):
    """Invitations, read-only; revoke one with the action on the invitations page."""

    model = Invitation
    fields = ("email", "created_by", "created_at", "expires_at", "used_by", "used_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "member_count", "created_at")
    search_fields = ("name",)
    fields = (
        "name", "glossary", "consent_notice", "audio_retention_days", "transcript_retention_days",
        "created_at",
    )  # fmt: skip
    readonly_fields = ("created_at",)
    inlines = (MembershipInline, InvitationInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(members=Count("memberships"))

    def formfield_for_dbfield(
        self, db_field: Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        """Retention in days is bounded here as on the team's page."""
        if db_field.name in RETENTION_FIELDS:
            kwargs["max_value"] = MAX_RETENTION_DAYS
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="Members", ordering="members")
    def member_count(self, team: Team) -> int:
        return getattr(team, "members", 0)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Who is in which team, as what, and who reviews the team's recordings."""

    list_display = ("user", "team", "role", "reviewer", "joined_at")
    list_filter = ("role", "reviewer", "team")
    search_fields = ("user__username", "user__email", "team__name")
    list_select_related = ("user", "team")
    autocomplete_fields = ("user",)
    readonly_fields = ("joined_at",)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("team", "email", "created_by", "created_at", "expires_at", "state")
    list_filter = ("team",)
    fields = ("team", "email", "created_by", "created_at", "expires_at", "used_by", "used_at")
    readonly_fields = fields
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected invitations")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        queryset.filter(used_at=None, revoked_at=None).update(revoked_at=timezone.now())


@admin.register(Preferences)
class PreferencesAdmin(admin.ModelAdmin):
    list_display = ("user", "save_to")
    autocomplete_fields = ("user",)
