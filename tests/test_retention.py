"""Retention: with the clock moved forward, expired audio and recordings go, held ones stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from audit.models import AuditEntry
from config.settings import env_days
from teams.models import Team
from tests.factories import make_recording, make_segment, make_team
from transcripts import signals
from transcripts.management.commands.db_worker import sweep
from transcripts.models import Recording, TranscriptionJob
from transcripts.retention.selectors import expired_audio, retention_policy
from transcripts.retention.services import (
    audio_expire,
    recording_set_hold,
    retention_sweep,
    retention_sweep_daily,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
FOREVER = None
NO_TEAM = "no team"


def stored_recording(owner: User, *, age_days: float, team: Team | None = None, **fields: Any):
    """A recording that ended `age_days` before NOW, with audio in storage and one segment."""
    name = default_storage.save("recordings/2027/01/meeting.ogg", ContentFile(b"OggS" * 64))
    ended = NOW - timedelta(days=age_days)
    defaults: dict[str, Any] = {"started_at": ended - timedelta(hours=1), "ended_at": ended}
    recording = make_recording(
        owner, audio=name, media_format="ogg", team=team, **(defaults | fields)
    )
    make_segment(recording, 0)
    return recording


@pytest.fixture(autouse=True)
def no_sweep_yet() -> None:
    """Workers started by other tests may have marked today swept in the shared cache table,
    which flushing the database between tests leaves in place."""
    cache.clear()


@pytest.fixture
def site(settings):
    """The site keeps audio 30 days and recordings 90 days unless a test says otherwise."""
    settings.RETENTION_AUDIO_DAYS = 30
    settings.RETENTION_TRANSCRIPT_DAYS = 90
    return settings


@pytest.fixture
def swept(django_capture_on_commit_callbacks):
    """Run the sweep at a time, files deleted as after a real commit."""

    def run(now: datetime = NOW):
        with django_capture_on_commit_callbacks(execute=True):
            return retention_sweep(now=now)

    return run


def actions() -> list[tuple[str, int | None, str, int | None]]:
    return [
        (entry.action, entry.recording_id, entry.detail, entry.actor_id)
        for entry in AuditEntry.objects.order_by("pk")
    ]


def test_expired_audio_is_deleted_and_the_transcript_kept(site, swept, user: User) -> None:
    recording = stored_recording(user, age_days=31)
    name = recording.audio.name

    result = swept()

    recording.refresh_from_db()
    assert result.counts == (1, 0)
    assert not default_storage.exists(name)
    assert (recording.audio.name, recording.audio_deleted_at) == ("", NOW)
    assert recording.segments.count() == 1
    assert actions() == [("audio_expired", recording.pk, "audio kept 30 days, this site", None)]


def test_expired_transcripts_delete_the_whole_recording(site, swept, user: User) -> None:
    site.RETENTION_AUDIO_DAYS = None
    recording = stored_recording(user, age_days=91)
    name = recording.audio.name

    assert swept().counts == (0, 1)

    assert not Recording.objects.filter(pk=recording.pk).exists()
    assert not default_storage.exists(name)
    assert actions() == [
        ("transcript_expired", recording.pk, "transcript kept 90 days, this site", None)
    ]


def test_an_expired_recording_is_deleted_as_its_owner_would(site, swept, user: User) -> None:
    """Through the one deletion path: webhooks hear of it, with what it was."""
    heard: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        heard.append(kwargs)

    signals.recording_deleted.connect(receiver, weak=False)
    try:
        recording = stored_recording(user, age_days=91, title="Quarterly review")
        swept()
    finally:
        signals.recording_deleted.disconnect(receiver)

    assert [(h["recording_id"], h["representation"]["title"]) for h in heard] == [
        (recording.pk, "Quarterly review")
    ]


def test_audio_goes_first_then_the_transcript(site, swept, user: User) -> None:
    recording = stored_recording(user, age_days=100)

    assert swept().counts == (1, 1)

    assert [action for action, *_ in actions()] == ["audio_expired", "transcript_expired"]
    assert not Recording.objects.filter(pk=recording.pk).exists()


def test_a_recording_not_yet_due_is_kept(site, swept, user: User) -> None:
    recording = stored_recording(user, age_days=29)

    assert swept().counts == (0, 0)

    recording.refresh_from_db()
    assert recording.audio
    assert recording.audio_deleted_at is None
    assert actions() == []


@pytest.mark.parametrize(
    "fields",
    [
        {"legal_hold": True},
        {"review_state": Recording.Review.SUBMITTED},
        {"review_state": Recording.Review.IN_REVIEW},
        {"status": Recording.Status.LIVE},
        {"status": Recording.Status.QUEUED},
        {"status": Recording.Status.TRANSCRIBING},
    ],
    ids=["held", "submitted", "in review", "live", "queued", "transcribing"],
)
def test_held_reviewed_and_busy_recordings_are_kept(
    site, swept, user: User, fields: dict[str, Any]
) -> None:
    recording = stored_recording(user, age_days=400, **fields)

    assert swept().counts == (0, 0)

    recording.refresh_from_db()
    assert recording.audio
    assert recording.audio_deleted_at is None
    assert actions() == []


def test_a_recording_with_a_job_under_way_is_kept(site, swept, user: User) -> None:
    recording = stored_recording(user, age_days=400)
    TranscriptionJob.objects.create(
        recording=recording, kind=TranscriptionJob.Kind.REFINE, status="running"
    )

    assert swept().counts == (0, 0)


@pytest.mark.parametrize(
    ("site_days", "team_days", "age_days", "deleted"),
    [
        (30, NO_TEAM, 31, True),  # a personal recording follows the site
        (30, NO_TEAM, 29, False),
        (FOREVER, NO_TEAM, 5000, False),
        (30, None, 31, True),  # a team on the site default
        (30, None, 29, False),
        (FOREVER, None, 5000, False),
        (30, 0, 5000, False),  # the team keeps forever
        (30, 10, 11, True),  # the team's own, shorter
        (30, 10, 9, False),
        (30, 60, 31, False),  # the team's own, longer
        (30, 60, 61, True),
        (FOREVER, 5, 6, True),  # the team's own where the site keeps forever
        (30, 10**9, 5000, False),  # past any date: kept a century
    ],
)
def test_a_teams_period_overrides_the_site_default(
    settings, swept, user: User, site_days, team_days, age_days, deleted
) -> None:
    settings.RETENTION_AUDIO_DAYS = site_days
    settings.RETENTION_TRANSCRIPT_DAYS = None
    team = None if team_days == NO_TEAM else make_team("Sales")
    if team is not None:
        Team.objects.filter(pk=team.pk).update(audio_retention_days=team_days)
        team.refresh_from_db()
    recording = stored_recording(user, age_days=age_days, team=team)

    assert swept().counts == (int(deleted), 0)

    recording.refresh_from_db()
    assert (recording.audio_deleted_at is not None) is deleted


def test_time_counts_from_the_start_when_the_end_is_unknown(site, swept, user: User) -> None:
    stored_recording(user, age_days=31, ended_at=None, started_at=NOW - timedelta(days=31))
    stored_recording(user, age_days=29, ended_at=None, started_at=NOW - timedelta(days=29))

    assert swept().counts == (1, 0)


def test_a_teams_own_period_is_named_in_the_audit_entry(site, swept, user: User) -> None:
    team = make_team("Sales")
    team.audio_retention_days = 7
    team.save()
    recording = stored_recording(user, age_days=8, team=team)

    swept()

    assert actions() == [("audio_expired", recording.pk, "audio kept 7 days, team Sales", None)]


def test_a_second_run_deletes_nothing_more(site, swept, user: User) -> None:
    stored_recording(user, age_days=31)
    stored_recording(user, age_days=95)
    swept()
    written = actions()

    assert swept().counts == (0, 0)
    assert actions() == written


def test_another_worker_that_got_there_first_leaves_nothing_to_do(site, swept, user: User) -> None:
    recording = stored_recording(user, age_days=31)
    swept()

    assert audio_expire(recording_id=recording.pk, now=NOW) is None
    assert len(actions()) == 1


def test_a_hold_set_after_the_list_was_read_still_wins(site, user: User) -> None:
    recording = stored_recording(user, age_days=31)
    recording_set_hold(recording=recording, held=True, by=user)

    assert audio_expire(recording_id=recording.pk, now=NOW) is None
    recording.refresh_from_db()
    assert recording.audio


def test_holds_are_audited_once_per_change(user: User) -> None:
    recording = make_recording(user)

    recording_set_hold(recording=recording, held=True, by=user, ip="192.0.2.1")
    recording_set_hold(recording=recording, held=True, by=user)
    recording_set_hold(recording=recording, held=False, by=user)

    recording.refresh_from_db()
    assert not recording.legal_hold
    assert actions() == [
        ("hold_set", recording.pk, "", user.pk),
        ("hold_lifted", recording.pk, "", user.pk),
    ]
    assert AuditEntry.objects.order_by("pk").first().ip == "192.0.2.1"


def test_the_expired_list_is_two_queries_however_many_teams(
    site, user: User, django_assert_num_queries
) -> None:
    for days in (5, 10, 10, 20):
        team = make_team()
        team.audio_retention_days = days
        team.save()
        stored_recording(user, age_days=days + 1, team=team)
    stored_recording(user, age_days=31)

    with django_assert_num_queries(2):
        assert len(list(expired_audio(now=NOW))) == 5


def test_the_policy_gives_the_dates(site, user: User) -> None:
    recording = stored_recording(user, age_days=10)

    policy = retention_policy(recording=recording)

    assert policy.audio_expires_at == recording.ended_at + timedelta(days=30)
    assert policy.transcript_expires_at == recording.ended_at + timedelta(days=90)


def test_the_daily_gate_sweeps_once_a_day(site, django_capture_on_commit_callbacks, user) -> None:
    stored_recording(user, age_days=31)
    with django_capture_on_commit_callbacks(execute=True):
        first = retention_sweep_daily(now=NOW)
        stored_recording(user, age_days=31)
        again = retention_sweep_daily(now=NOW + timedelta(hours=6))
        tomorrow = retention_sweep_daily(now=NOW + timedelta(days=1))

    assert first is not None
    assert first.counts == (1, 0)
    assert again is None
    assert tomorrow is not None
    assert tomorrow.counts == (1, 0)


def test_the_workers_sweep_applies_retention_once_a_day(site, user: User) -> None:
    # The worker runs on the real clock: a recording ended 31 real days ago has expired.
    stored_recording(user, age_days=0, ended_at=datetime.now(UTC) - timedelta(days=31))
    sweep()
    stored_recording(user, age_days=0, ended_at=datetime.now(UTC) - timedelta(days=31))
    sweep()

    assert Recording.objects.filter(audio_deleted_at__isnull=False).count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.AUDIO_EXPIRED).count() == 1


def test_the_command_lists_without_deleting_on_a_dry_run(site, user: User, capsys) -> None:
    stored_recording(user, age_days=0, ended_at=datetime.now(UTC) - timedelta(days=31), title="Q1")

    call_command("retention_sweep", "--dry-run")

    out = capsys.readouterr().out
    assert "Audio to delete: 1\n" in out
    assert "Recordings to delete whole: 0\n" in out
    assert "Q1" in out
    assert not Recording.objects.filter(audio_deleted_at__isnull=False).exists()


def test_the_command_deletes_and_says_what(site, user: User, capsys) -> None:
    stored_recording(user, age_days=0, ended_at=datetime.now(UTC) - timedelta(days=31), title="Q1")

    call_command("retention_sweep")

    out = capsys.readouterr().out
    assert "Audio deleted: 1\n" in out
    assert "Q1 (audio kept 30 days, this site)" in out
    assert Recording.objects.filter(audio_deleted_at__isnull=False).count() == 1


@pytest.mark.parametrize(
    ("raw", "days"), [("", None), ("  ", None), ("0", None), ("30", 30), ("36500", 36500)]
)
def test_retention_settings_read_days(monkeypatch, raw: str, days: int | None) -> None:
    monkeypatch.setenv("RETENTION_AUDIO_DAYS", raw)
    assert env_days("RETENTION_AUDIO_DAYS") == days


@pytest.mark.parametrize("raw", ["-1", "1.5", "thirty", "36501", "٣"])
def test_retention_settings_refuse_what_is_not_days(monkeypatch, raw: str) -> None:
    monkeypatch.setenv("RETENTION_AUDIO_DAYS", raw)
    with pytest.raises(ImproperlyConfigured, match="RETENTION_AUDIO_DAYS must be a whole number"):
        env_days("RETENTION_AUDIO_DAYS")
