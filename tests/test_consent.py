"""Consent: a notice confirmed before recording, kept with the recording and shown."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.test import Client

from tests.audio import utterances
from tests.factories import make_recording, make_team, make_user
from tests.fake_deepgram import FakeDeepgram
from tests.sockets import RecordSocket
from tests.test_api import call, token_for
from transcripts.consent import consent_notice
from transcripts.models import Recording

pytestmark = pytest.mark.django_db(transaction=True)

NOTICE = "Everyone in this meeting agreed to be recorded and transcribed."
TEAM_NOTICE = "Tell the customer that the call is recorded for training."
REFUSED = "Confirm the consent notice before recording. If it has just changed, reload the page."


def version_of(text: str) -> str:
    notice = consent_notice(None) if text == NOTICE else None
    assert notice is not None
    return notice.version


async def started_socket(cookie: str, **fields: object) -> tuple[RecordSocket, int]:
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    return socket, await socket.start(**fields)


async def refused_start(cookie: str, **fields: object) -> None:
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    await socket.send({"type": "start", "title": "Not yet", **fields})
    error = await socket.expect_error_and_close(4412)
    assert (error["code"], error["message"]) == ("consent_required", REFUSED)
    assert not await Recording.objects.filter(title="Not yet").aexists()


async def test_without_a_notice_recording_starts_as_before(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    socket, recording_id = await started_socket(cookie)
    await socket.stop()
    await socket.disconnect()
    saved = await Recording.objects.aget(pk=recording_id)
    assert (saved.consent_text, saved.consent_version, saved.consent_at) == ("", "", None)


@pytest.mark.parametrize("consent", [None, "", "0123456789ab", "x" * 64])
async def test_a_start_without_the_current_notice_confirmed_is_refused(
    deepgram: FakeDeepgram, cookie: str, settings, consent: str | None
) -> None:
    settings.CONSENT_NOTICE = NOTICE
    fields = {} if consent is None else {"consent": consent}
    await refused_start(cookie, **fields)


async def test_a_consent_field_that_is_not_a_short_string_is_a_bad_message(
    deepgram: FakeDeepgram, cookie: str, settings
) -> None:
    settings.CONSENT_NOTICE = NOTICE
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    await socket.send({"type": "start", "consent": "x" * 65})
    error = await socket.expect_error_and_close(4400)
    assert "consent" in error["message"]


async def test_the_confirmed_notice_is_kept_with_who_and_when(
    deepgram: FakeDeepgram, cookie: str, user: User, settings
) -> None:
    settings.CONSENT_NOTICE = NOTICE
    version = await sync_to_async(version_of)(NOTICE)
    socket, recording_id = await started_socket(cookie, consent=version)
    await socket.send_audio(utterances(1))
    await socket.expect("final")
    await socket.stop()
    await socket.disconnect()
    saved = await Recording.objects.aget(pk=recording_id)
    assert (saved.consent_text, saved.consent_version) == (NOTICE, version)
    assert saved.consent_by_id == user.pk
    assert saved.consent_at is not None
    assert saved.started_at <= saved.consent_at


async def test_a_team_notice_replaces_the_sites_for_the_teams_recordings(
    deepgram: FakeDeepgram, cookie: str, user: User, settings
) -> None:
    settings.CONSENT_NOTICE = NOTICE
    team = await sync_to_async(make_team)("Sales", members=(user,))
    team.consent_notice = TEAM_NOTICE
    await team.asave()
    team_version = (await sync_to_async(consent_notice)(team)).version  # type: ignore[union-attr]
    site_version = await sync_to_async(version_of)(NOTICE)
    assert team_version != site_version
    await refused_start(cookie, team=team.pk, consent=site_version)
    socket, recording_id = await started_socket(cookie, team=team.pk, consent=team_version)
    await socket.stop()
    await socket.disconnect()
    saved = await Recording.objects.aget(pk=recording_id)
    assert (saved.consent_text, saved.team_id) == (TEAM_NOTICE, team.pk)


async def test_a_resumed_recording_needs_no_second_confirmation(
    deepgram: FakeDeepgram, cookie: str, settings
) -> None:
    settings.CONSENT_NOTICE = NOTICE
    version = await sync_to_async(version_of)(NOTICE)
    first, recording_id = await started_socket(cookie, consent=version)
    await first.disconnect()  # the browser lost its connection
    second = RecordSocket(cookie=cookie)
    assert await second.connect()
    await second.send({"type": "resume", "recording": recording_id, "sample_rate": 16000})
    await second.expect("resumed")
    await second.stop()
    await second.disconnect()


def test_the_record_page_offers_each_destinations_notice_the_chosen_one_first(
    logged_in: Client, user: User, settings
) -> None:
    settings.CONSENT_NOTICE = NOTICE
    team = make_team("Sales", members=(user,))
    team.consent_notice = TEAM_NOTICE
    team.save()
    make_team("Quiet", members=(user,))  # no notice of its own: the site's applies
    page = logged_in.get("/record/").content.decode()
    assert page.count('class="consent-notice"') == 3
    assert page.index(NOTICE) < page.index(TEAM_NOTICE)
    assert f'data-consent-for="{team.pk}"' in page


def test_the_record_page_has_no_consent_step_without_a_notice(logged_in: Client) -> None:
    assert "consent-notice" not in logged_in.get("/record/").content.decode()


@pytest.fixture
def consented(user: User) -> Recording:
    notice = NOTICE + "\nSecond line <b>not bold</b>."
    return make_recording(
        user,
        title="Consented",
        consent_text=notice,
        consent_version="abc123def456",
        consent_by=user,
        consent_at=make_recording(user).started_at,
    )


def test_the_detail_page_shows_who_confirmed_which_notice(
    logged_in: Client, consented: Recording
) -> None:
    page = logged_in.get(f"/recordings/{consented.pk}/").content.decode()
    assert "Consent confirmed by alice" in page
    assert "Second line &lt;b&gt;not bold&lt;/b&gt;." in page
    assert "Notice version abc123def456" in page


def test_the_json_export_and_the_api_carry_the_consent(
    logged_in: Client, user: User, consented: Recording
) -> None:
    exported = json.loads(logged_in.get(f"/recordings/{consented.pk}/export/json/").content)
    expected = {
        "text": consented.consent_text,
        "version": "abc123def456",
        "confirmed_by": "alice",
        "confirmed_at": consented.consent_at.isoformat(),  # type: ignore[union-attr]
    }
    assert exported["recording"]["consent"] == expected
    answer = call("GET", f"/api/v1/recordings/{consented.pk}", token_for(user, ["read"]))
    api = answer.json()["consent"]
    at = datetime.fromisoformat(api.pop("confirmed_at"))
    assert api == {key: value for key, value in expected.items() if key != "confirmed_at"}
    assert abs((at - consented.consent_at).total_seconds()) < 0.001  # type: ignore[operator]
    unconsented = make_recording(user)
    answer = call("GET", f"/api/v1/recordings/{unconsented.pk}", token_for(user, ["read"]))
    assert answer.json()["consent"] is None


def test_a_team_admin_sets_the_teams_notice_on_the_team_page(user: User, settings) -> None:
    settings.CONSENT_NOTICE = NOTICE
    member = make_user("bob")
    team = make_team("Sales", admins=(user,), members=(member,))
    admin = Client()
    admin.force_login(user)
    page = admin.get(f"/teams/{team.pk}/").content.decode()
    assert "The site's notice applies" in page
    answer = admin.post(
        f"/teams/{team.pk}/consent/", {"consent_notice": f"  {TEAM_NOTICE}\r\n\r\n\r\nLine two. "},
        follow=True,
    )  # fmt: skip
    assert "Consent notice saved." in answer.content.decode()
    team.refresh_from_db()
    assert team.consent_notice == f"{TEAM_NOTICE}\n\nLine two."
    assert consent_notice(team).text == team.consent_notice  # type: ignore[union-attr]
    too_long = admin.post(f"/teams/{team.pk}/consent/", {"consent_notice": "x" * 2001}, follow=True)
    assert "A consent notice has at most 2,000 characters." in too_long.content.decode()
    admin.post(f"/teams/{team.pk}/consent/", {"consent_notice": ""})
    team.refresh_from_db()
    assert team.consent_notice == ""  # the site's notice applies again


def test_a_member_who_is_not_an_admin_cannot_change_the_teams_notice(user: User) -> None:
    admin = make_user("bob")
    team = make_team("Sales", admins=(admin,), members=(user,))
    team.consent_notice = TEAM_NOTICE
    team.save()
    member = Client()
    member.force_login(user)
    page = member.get(f"/teams/{team.pk}/").content.decode()
    assert TEAM_NOTICE in page
    assert 'name="consent_notice"' not in page
    assert member.post(f"/teams/{team.pk}/consent/", {"consent_notice": "Mine"}).status_code == 404
    team.refresh_from_db()
    assert team.consent_notice == TEAM_NOTICE
