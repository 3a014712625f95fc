"""Teams: creating, inviting (expiring, single-use, revocable links), joining while logged
out, roles, leaving; glossaries; staff in the admin."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from teams.models import Invitation, Membership, Team
from tests.factories import make_team, make_user

pytestmark = pytest.mark.django_db


def logged_in_as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def invite(admin: Client, team: Team, **fields: str) -> str:
    """An admin makes an invitation; the link shown on the team page."""
    admin.post(f"/teams/{team.pk}/invitations/", fields)
    page = admin.get(f"/teams/{team.pk}/").content.decode()
    match = re.search(r'id="invitation-link" value="(http[^"]+)"', page)
    assert match, "the new link is shown to copy"
    return match.group(1).removeprefix("http://testserver")


def test_anyone_creates_a_team_and_becomes_its_admin() -> None:
    dana = make_user("dana")
    response = logged_in_as(dana).post("/teams/", {"name": "  Design\x00 crew  "})
    team = Team.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/teams/{team.pk}/"
    assert team.name == "Design crew"
    assert Membership.objects.get(team=team).role == Membership.Role.ADMIN


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_team_name_must_be_given_and_short(name: str) -> None:
    response = logged_in_as(make_user()).post("/teams/", {"name": name})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Team.objects.exists()


def test_a_setting_keeps_team_creation_for_staff(settings) -> None:
    settings.TEAMS_CREATED_BY_STAFF_ONLY = True
    response = logged_in_as(make_user()).post("/teams/", {"name": "Rogue"})
    assert response.status_code == 400
    assert "only staff" in response.content.decode()
    logged_in_as(make_user(is_staff=True)).post("/teams/", {"name": "Official"})
    assert list(Team.objects.values_list("name", flat=True)) == ["Official"]


def test_an_invitation_link_joins_once_and_only_once() -> None:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    team = make_team("Sales", admins=(alice,))
    link = invite(logged_in_as(alice), team)
    bobs = logged_in_as(bob)
    assert "Join Sales" in bobs.get(link).content.decode()
    assert bobs.post(link)["Location"] == f"/teams/{team.pk}/"
    assert team.memberships.filter(user=bob, role=Membership.Role.MEMBER).exists()
    reused = logged_in_as(carol).post(link)
    assert reused.status_code == 400
    assert "was used" in reused.content.decode()
    assert not team.memberships.filter(user=carol).exists()


def test_joining_while_logged_out_logs_in_then_joins() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    team = make_team("Sales", admins=(alice,))
    link = invite(logged_in_as(alice), team)
    browser = Client()
    asked = browser.get(link)
    assert asked.status_code == 302
    assert asked["Location"].startswith("/accounts/login/?next=")
    logged = browser.post(
        asked["Location"], {"username": "bob", "password": "correct horse battery staple"}
    )
    assert logged["Location"] == link
    assert browser.post(link).status_code == 302
    assert team.memberships.filter(user=bob).exists()


def test_an_expired_invitation_does_not_join(settings) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    team = make_team("Sales", admins=(alice,))
    link = invite(logged_in_as(alice), team)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    answer = logged_in_as(bob).post(link)
    assert answer.status_code == 400
    assert "was expired" in answer.content.decode()
    assert not team.memberships.filter(user=bob).exists()


def test_a_revoked_invitation_does_not_join() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    team = make_team("Sales", admins=(alice,))
    admin = logged_in_as(alice)
    link = invite(admin, team)
    invitation = Invitation.objects.get()
    admin.post(f"/teams/{team.pk}/invitations/{invitation.pk}/revoke/")
    answer = logged_in_as(bob).post(link)
    assert answer.status_code == 400
    assert "was revoked" in answer.content.decode()
    assert "Revoke" not in admin.get(f"/teams/{team.pk}/").content.decode()


def test_an_unknown_invitation_link_is_404_with_words() -> None:
    answer = logged_in_as(make_user()).get("/teams/join/not-a-real-token/")
    assert answer.status_code == 404
    assert "not valid" in answer.content.decode()


def test_a_member_who_joins_again_is_told_so() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    team = make_team("Sales", admins=(alice,), members=(bob,))
    answer = logged_in_as(bob).post(invite(logged_in_as(alice), team))
    assert answer.status_code == 400
    assert "already a member" in answer.content.decode()
    assert Invitation.objects.get().used_at is None


def test_the_invitation_is_mailed_when_mail_is_configured(
    settings, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_CONFIGURED = True
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    alice = make_user("alice")
    team = make_team("Sales", admins=(alice,))
    with django_capture_on_commit_callbacks(execute=True):
        link = invite(logged_in_as(alice), team, email="bob@example.com")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["bob@example.com"]
    assert link in mail.outbox[0].body


def test_without_mail_configured_nothing_is_sent(
    settings, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_CONFIGURED = False
    alice = make_user("alice")
    with django_capture_on_commit_callbacks(execute=True):
        invite(logged_in_as(alice), make_team("Sales", admins=(alice,)), email="bob@example.com")
    assert mail.outbox == []


def test_only_admins_manage_and_members_get_404() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    team = make_team("Sales", admins=(alice,), members=(bob,))
    member = logged_in_as(bob)
    page = member.get(f"/teams/{team.pk}/").content.decode()
    assert "Invite people" not in page
    assert "Rename the team" not in page
    for path, data in [
        ("rename/", {"name": "Mine now"}),
        ("glossary/", {"glossary": "Quarvex"}),
        ("invitations/", {}),
        (f"members/{alice.pk}/remove/", {}),
        (f"members/{bob.pk}/role/", {"role": "admin"}),
    ]:
        assert member.post(f"/teams/{team.pk}/{path}", data).status_code == 404, path
    team.refresh_from_db()
    assert (team.name, team.glossary) == ("Sales", [])
    assert not Invitation.objects.exists()
    assert team.memberships.get(user=bob).role == Membership.Role.MEMBER


def test_strangers_see_no_team() -> None:
    team = make_team("Sales", admins=(make_user(),))
    stranger = logged_in_as(make_user())
    assert stranger.get(f"/teams/{team.pk}/").status_code == 404
    assert stranger.post(f"/teams/{team.pk}/leave/").status_code == 404
    assert "Sales" not in stranger.get("/teams/").content.decode()


def test_admins_rename_promote_and_remove() -> None:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    team = make_team("Sales", admins=(alice,), members=(bob, carol))
    admin = logged_in_as(alice)
    admin.post(f"/teams/{team.pk}/rename/", {"name": "Revenue"})
    admin.post(f"/teams/{team.pk}/members/{bob.pk}/role/", {"role": "admin"})
    admin.post(f"/teams/{team.pk}/members/{carol.pk}/remove/")
    team.refresh_from_db()
    assert team.name == "Revenue"
    assert dict(team.memberships.values_list("user__username", "role")) == {
        "alice": "admin",
        "bob": "admin",
    }


def test_the_last_admin_cannot_leave_or_step_down() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    team = make_team("Sales", admins=(alice,), members=(bob,))
    admin = logged_in_as(alice)
    admin.post(f"/teams/{team.pk}/leave/")
    admin.post(f"/teams/{team.pk}/members/{alice.pk}/role/", {"role": "member"})
    assert team.memberships.get(user=alice).role == Membership.Role.ADMIN
    assert "needs an admin" in admin.get(f"/teams/{team.pk}/").content.decode()
    assert logged_in_as(bob).post(f"/teams/{team.pk}/leave/")["Location"] == "/teams/"
    assert not team.memberships.filter(user=bob).exists()


def test_a_team_glossary_is_cleaned_deduplicated_and_bounded() -> None:
    alice = make_user("alice")
    team = make_team("Sales", admins=(alice,))
    admin = logged_in_as(alice)
    admin.post(f"/teams/{team.pk}/glossary/", {"glossary": "Quarvex\n nimbalo ,Nimbalo\n\n\x00"})
    team.refresh_from_db()
    assert team.glossary == ["Quarvex", "nimbalo"]
    too_many = "\n".join(f"term{n}" for n in range(101))
    admin.post(f"/teams/{team.pk}/glossary/", {"glossary": too_many})
    team.refresh_from_db()
    assert team.glossary == ["Quarvex", "nimbalo"]
    assert "at most 100 terms" in admin.get(f"/teams/{team.pk}/").content.decode()


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("Quarvex:3", "cannot contain a colon"),
        ("\n".join("x" * 50 + str(n) for n in range(21)), "at most 50 characters"),
        ("\n".join(f"{n:02}" + "y" * 46 for n in range(21)), "1,000 characters in all"),
    ],
)
def test_a_glossary_deepgram_would_refuse_is_refused_in_words(raw: str, problem: str) -> None:
    alice = make_user("alice")
    team = make_team("Sales", admins=(alice,))
    admin = logged_in_as(alice)
    page = admin.post(f"/teams/{team.pk}/glossary/", {"glossary": raw}, follow=True)
    assert problem in page.content.decode()
    team.refresh_from_db()
    assert team.glossary == []


def test_a_person_keeps_their_own_glossary() -> None:
    dana = make_user("dana")
    client = logged_in_as(dana)
    client.post("/teams/glossary/", {"glossary": "Parley\nDeepgram"})
    assert "Parley\nDeepgram" in client.get("/teams/").content.decode()


def test_staff_manage_teams_in_the_admin() -> None:
    staff = make_user("boss", is_staff=True, is_superuser=True)
    team = make_team("Sales", admins=(make_user("alice"),))
    admin = logged_in_as(staff)
    assert "Sales" in admin.get("/admin/teams/team/").content.decode()
    page = admin.get(f"/admin/teams/team/{team.pk}/change/")
    assert page.status_code == 200
    assert "alice" in page.content.decode()
