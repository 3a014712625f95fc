"""Retention on the pages: the transcript page's notice, the hold button, the team's form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from teams.models import Membership, Team
from tests.factories import make_recording, make_segment, make_team, make_user
from transcripts.models import Recording, RecordingShare
from transcripts.retention.services import retention_sweep

pytestmark = pytest.mark.django_db


def team_recording(owner: User, team: Team | None, *, age_days: float, **fields: Any) -> Recording:
    """A recording in `team`'s library (shared with it, as saving there does), with audio."""
    name = default_storage.save("recordings/2026/01/meeting.ogg", ContentFile(b"OggS" * 64))
    ended = timezone.now() - timedelta(days=age_days)
    recording = make_recording(
        owner, team=team, audio=name, media_format="ogg", ended_at=ended, **fields
    )
    if team is not None:
        RecordingShare.objects.create(
            recording=recording, team=team, role=RecordingShare.Role.EDITOR
        )
    make_segment(recording, 0)
    return recording


def page(client: Client, recording: Recording) -> str:
    response = client.get(f"/recordings/{recording.pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def sales(user: User) -> Team:
    """A team alice is a plain member of, keeping audio 30 days."""
    team = make_team("Sales", members=(user,))
    team.audio_retention_days = 30
    team.save()
    return team


def test_the_page_says_when_the_audio_will_be_deleted_by_the_teams_rule(
    logged_in: Client, user: User, sales: Team
) -> None:
    recording = team_recording(user, sales, age_days=10)
    due = recording.ended_at + timedelta(days=30)

    html = page(logged_in, recording)

    assert f'Audio will be deleted on <time datetime="{due.isoformat()}">' in html
    assert "(team Sales keeps audio 30 days)" in html
    assert 'id="player"' in html


def test_the_page_names_the_site_default_for_a_personal_recording(
    logged_in: Client, user: User, settings
) -> None:
    settings.RETENTION_AUDIO_DAYS = 14
    settings.RETENTION_TRANSCRIPT_DAYS = 365
    recording = team_recording(user, None, age_days=1)

    html = page(logged_in, recording)

    assert "(this site keeps audio 14 days)" in html
    assert "Transcript will be deleted on" in html
    assert "(this site keeps transcripts 365 days)" in html


def test_once_swept_the_page_says_so_and_the_audio_is_not_found(
    logged_in: Client, user: User, settings, django_capture_on_commit_callbacks
) -> None:
    settings.RETENTION_AUDIO_DAYS = 30
    recording = team_recording(user, None, age_days=31)
    assert logged_in.get(f"/recordings/{recording.pk}/audio/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        retention_sweep(now=timezone.now())

    html = page(logged_in, recording)

    assert "Audio deleted on" in html
    assert "under the retention policy; the transcript is kept." in html
    assert 'id="player"' not in html
    assert "Sentence number 0." in html
    assert logged_in.get(f"/recordings/{recording.pk}/audio/").status_code == 404


def test_a_held_recording_says_so_and_no_deletion_date(
    logged_in: Client, user: User, sales: Team
) -> None:
    recording = team_recording(user, sales, age_days=10, legal_hold=True)

    html = page(logged_in, recording)

    assert "Kept under legal hold." in html
    assert "will be deleted" not in html


@pytest.mark.parametrize(
    ("age_days", "fields", "says"),
    [
        (10, {}, "Audio will be deleted on"),
        (31, {}, "Audio is due for deletion since"),
        (
            31,
            {"review_state": Recording.Review.IN_REVIEW},
            "Nothing is deleted while it is in review.",
        ),
        (10, {"legal_hold": True}, "Kept under legal hold."),
    ],
    ids=["due later", "overdue", "in review", "held"],
)
def test_the_notice_says_what_will_happen(
    logged_in: Client, user: User, sales: Team, age_days: float, fields: dict, says: str
) -> None:
    html = page(logged_in, team_recording(user, sales, age_days=age_days, **fields))

    assert says in html


def test_a_recording_kept_forever_has_no_notice(logged_in: Client, user: User) -> None:
    html = page(logged_in, team_recording(user, None, age_days=400))

    assert 'id="retention"' not in html


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("owner", False), ("member", False), ("outsider", False), ("admin", True), ("staff", True)],
)
def test_only_staff_and_team_admins_hold_a_recording(
    client: Client, user: User, sales: Team, who: str, allowed: bool
) -> None:
    recording = team_recording(user, sales, age_days=1)
    people = {
        "owner": user,
        "member": make_user("member"),
        "outsider": make_user("outsider"),
        "admin": make_user("admin"),
        "staff": make_user("root", is_staff=True),
    }
    Membership.objects.create(team=sales, user=people["member"])
    Membership.objects.create(team=sales, user=people["admin"], role=Membership.Role.ADMIN)
    client.force_login(people[who])

    response = client.post(f"/recordings/{recording.pk}/hold/", {"held": "1"})

    recording.refresh_from_db()
    assert response.status_code == (302 if allowed else 404)
    assert recording.legal_hold is allowed
    held = AuditEntry.objects.filter(action=AuditEntry.Action.HOLD_SET, actor=people[who])
    assert held.exists() is allowed


def test_the_hold_button_shows_to_the_team_admin_not_the_owner(
    client: Client, user: User, sales: Team
) -> None:
    recording = team_recording(user, sales, age_days=1)
    admin = make_user("admin")
    Membership.objects.create(team=sales, user=admin, role=Membership.Role.ADMIN)

    client.force_login(user)
    assert "Place a legal hold" not in page(client, recording)
    client.force_login(admin)
    assert "Place a legal hold" in page(client, recording)


@pytest.fixture
def admin_of_sales(client: Client, sales: Team) -> Client:
    """Logged in as an admin of the Sales team."""
    admin = make_user("admin")
    Membership.objects.create(team=sales, user=admin, role=Membership.Role.ADMIN)
    client.force_login(admin)
    return client


def test_lifting_a_hold_is_audited(admin_of_sales: Client, user: User, sales: Team) -> None:
    client = admin_of_sales
    recording = team_recording(user, sales, age_days=1, legal_hold=True)

    response = client.post(f"/recordings/{recording.pk}/hold/", {"held": "0"}, follow=True)

    recording.refresh_from_db()
    assert not recording.legal_hold
    assert "Legal hold lifted" in response.content.decode()
    holds = AuditEntry.objects.exclude(action=AuditEntry.Action.VIEWED)  # the page it lands on
    assert [entry.action for entry in holds] == [AuditEntry.Action.HOLD_LIFTED]


@pytest.mark.parametrize("held", ["", "yes", "2"])
def test_a_hold_without_a_clear_choice_is_refused_on_the_page(
    admin_of_sales: Client, user: User, sales: Team, held: str
) -> None:
    client = admin_of_sales
    recording = team_recording(user, sales, age_days=1)

    response = client.post(f"/recordings/{recording.pk}/hold/", {"held": held}, follow=True)

    assert "Choose whether to set or lift the legal hold." in response.content.decode()
    assert not AuditEntry.objects.exclude(action=AuditEntry.Action.VIEWED).exists()


def test_the_hold_needs_csrf(user: User) -> None:
    recording = make_recording(user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("root", is_staff=True))

    assert client.post(f"/recordings/{recording.pk}/hold/", {"held": "1"}).status_code == 403


def test_staff_who_may_not_read_the_page_go_back_to_the_admin(client: Client, user) -> None:
    recording = make_recording(user)
    client.force_login(make_user("root", is_staff=True))

    response = client.post(f"/recordings/{recording.pk}/hold/", {"held": "1"})

    assert response["Location"] == f"/admin/transcripts/recording/{recording.pk}/change/"


def test_staff_hold_recordings_from_the_admin(client: Client, user: User) -> None:
    recordings = [make_recording(user), make_recording(user)]
    client.force_login(make_user("root", is_staff=True, is_superuser=True))

    client.post(
        "/admin/transcripts/recording/",
        {"action": "hold_set", "_selected_action": [r.pk for r in recordings]},
    )

    assert Recording.objects.filter(legal_hold=True).count() == 2
    assert AuditEntry.objects.filter(action=AuditEntry.Action.HOLD_SET).count() == 2


# --- The team's retention -------------------------------------------------------------


@pytest.fixture
def team_admin(client: Client, user: User) -> tuple[Client, Team]:
    team = make_team("Sales", admins=(user,))
    client.force_login(user)
    return client, team


@pytest.mark.parametrize(
    ("form", "audio", "transcript"),
    [
        ({"audio": "days", "audio_days": "30", "transcript": "days", "transcript_days": "365"},
         30, 365),
        ({"audio": "forever", "audio_days": "12", "transcript": "default"}, 0, None),
        ({"audio": "default", "transcript": "forever"}, None, 0),
    ],
)  # fmt: skip
def test_a_team_admin_sets_the_teams_retention(
    team_admin: tuple[Client, Team], form: dict[str, str], audio, transcript
) -> None:
    client, team = team_admin

    response = client.post(f"/teams/{team.pk}/retention/", form, follow=True)

    team.refresh_from_db()
    assert (team.audio_retention_days, team.transcript_retention_days) == (audio, transcript)
    assert "Retention saved." in response.content.decode()


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"audio": "days", "audio_days": "", "transcript": "default"}, "Give the days audio"),
        ({"audio": "days", "audio_days": "0", "transcript": "default"}, "Give the days audio"),
        ({"audio": "days", "audio_days": "-3", "transcript": "default"}, "Give the days audio"),
        ({"audio": "days", "audio_days": "1e3", "transcript": "default"}, "Give the days audio"),
        ({"audio": "days", "audio_days": "36501", "transcript": "default"}, "Give the days"),
        ({"audio": "default", "transcript": "days", "transcript_days": "x"}, "a transcript"),
        ({"audio": "always", "transcript": "default"}, "Choose how long audio is kept."),
        ({}, "Choose how long audio is kept."),
    ],
)
def test_the_teams_retention_form_refuses_what_is_not_days(
    team_admin: tuple[Client, Team], form: dict[str, str], problem: str
) -> None:
    client, team = team_admin

    response = client.post(f"/teams/{team.pk}/retention/", form, follow=True)

    team.refresh_from_db()
    assert problem in response.content.decode()
    assert (team.audio_retention_days, team.transcript_retention_days) == (None, None)


def test_members_see_the_retention_but_cannot_change_it(
    client: Client, user: User, sales: Team, settings
) -> None:
    settings.RETENTION_TRANSCRIPT_DAYS = None
    client.force_login(user)

    html = client.get(f"/teams/{sales.pk}/").content.decode()
    response = client.post(f"/teams/{sales.pk}/retention/", {"audio": "forever"})

    assert '<strong id="team-audio-retention">30 days</strong>' in html
    assert '<strong id="team-transcript-retention">forever</strong>' in html
    assert 'name="audio_days"' not in html
    assert response.status_code == 404
    sales.refresh_from_db()
    assert sales.audio_retention_days == 30


@pytest.mark.parametrize(("days", "saved"), [("30", 30), ("0", 0), ("", None), ("36501", None)])
def test_staff_set_a_teams_retention_in_the_admin(client: Client, days: str, saved) -> None:
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    form = {"name": "Legal", "glossary": "[]", "audio_retention_days": days}
    for inline in ("memberships", "invitations"):
        form |= {f"{inline}-TOTAL_FORMS": "0", f"{inline}-INITIAL_FORMS": "0"}

    client.post("/admin/teams/team/add/", form)

    team = Team.objects.filter(name="Legal").first()
    assert (team.audio_retention_days if team else None) == saved
    assert (team is not None) is (days != "36501")
