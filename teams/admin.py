"""Staff manage teams: names, members and roles, glossaries, invitations."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from teams.models import Invitation, Membership, Preferences, Team


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
    fields = ("name", "glossary", "created_at")
    readonly_fields = ("created_at",)
    inlines = (MembershipInline, InvitationInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(members=Count("memberships"))

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
