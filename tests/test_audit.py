"""The audit log: staff read, filter and download it; nobody changes it; writing an entry is
one insert and reading a page costs the same however long the log is."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.signals import request_finished
from django.db import connection
from django.test import AsyncClient, Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import Subject, audit_record
from config.db import close_connections
from tests.factories import make_recording, make_user
from transcripts.models import Recording

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action
CLOSER = "parley-close-connections"  # config/apps.py


@pytest.fixture
def root() -> User:
    return make_user("root", is_staff=True)


@pytest.fixture
def staff(client: Client, root: User) -> Client:
    client.force_login(root)
    return client


def entry(action: str = Action.VIEWED, **fields: Any) -> AuditEntry:
    """An entry written directly, with any field chosen (the time included)."""
    return AuditEntry.objects.create(action=action, **fields)


def on(day: str) -> datetime:
    """Noon on `day`, in the site's time zone."""
    return timezone.make_aware(datetime.fromisoformat(f"{day}T12:00"))


# --- Who may read it ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/audit/", "/audit/log.csv"])
def test_people_who_are_not_staff_get_404(logged_in: Client, path: str) -> None:
    assert logged_in.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/audit/", "/audit/log.csv"])
def test_anonymous_visitors_are_sent_to_log_in(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("is_staff", "linked"), [(False, False), (True, True)])
def test_only_staff_see_the_audit_link(client: Client, is_staff: bool, linked: bool) -> None:
    client.force_login(make_user(is_staff=is_staff))
    assert ('href="/audit/"' in client.get("/recordings/").content.decode()) is linked


# --- The page -------------------------------------------------------------------------


def test_the_page_shows_entries_newest_first_with_their_details(staff: Client, user: User) -> None:
    recording = make_recording(user, title="Budget review")
    audit_record(action=Action.VIEWED, actor=user, recording=recording, ip="192.0.2.1")
    audit_record(action=Action.EXPORTED, actor=user, recording=recording, detail="srt")
    response = staff.get("/audit/")
    page = response.content.decode()
    assert [e.action for e in response.context["page"]] == [Action.EXPORTED, Action.VIEWED]
    for shown_text in ("192.0.2.1", "srt", "alice"):
        assert shown_text in page
    assert f'href="/admin/transcripts/recording/{recording.pk}/change/"' in page


def test_a_deleted_recording_is_named_but_not_linked(staff: Client, user: User) -> None:
    recording = make_recording(user, title="Gone meeting")
    gone = Subject.of(recording)
    recording.delete()
    audit_record(action=Action.DELETED, actor=user, recording=gone)
    page = staff.get("/audit/").content.decode()
    assert f"#{gone.pk} Gone meeting" in page
    assert "/admin/transcripts/recording/" not in page


def test_parley_itself_is_named_for_entries_without_a_person(staff: Client) -> None:
    entry(Action.AUDIO_EXPIRED, recording_id=4, recording_title="Old")
    assert "Parley" in staff.get("/audit/").content.decode()


def test_the_page_is_paginated(staff: Client) -> None:
    for number in range(51):
        entry(detail=f"entry {number}", at=on("2026-01-01") + timezone.timedelta(minutes=number))
    first = staff.get("/audit/").content.decode()
    second = staff.get("/audit/?page=2").content.decode()
    assert "entry 50<" in first
    assert "entry 1<" in first
    assert "entry 0<" not in first
    assert "entry 0<" in second
    assert "Page 2 of 2" in second


def test_reading_a_page_costs_the_same_for_few_or_many_entries(staff: Client, user: User) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff.get("/audit/").status_code == 200
        return len(captured)

    recording = make_recording(user)
    audit_record(action=Action.VIEWED, actor=user, recording=recording)
    few = queries()
    for number in range(30):
        other = make_recording(user, title=f"Meeting {number}")
        audit_record(action=Action.EDITED, actor=make_user(), recording=other, ip="192.0.2.9")
        if number % 2:
            other.delete()
    assert queries() == few


# --- Filters --------------------------------------------------------------------------


@pytest.fixture
def varied(user: User, other_user: User) -> None:
    entry(Action.VIEWED, actor=user, actor_name="alice", recording_id=1, ip="192.0.2.1",
          at=on("2026-03-01"), detail="one")  # fmt: skip
    entry(Action.EXPORTED, actor=other_user, actor_name="bob", recording_id=2, ip="192.0.2.2",
          at=on("2026-03-05"), detail="two")  # fmt: skip
    entry(Action.DELETED, actor=user, actor_name="alice", recording_id=2, ip="2001:db8::1",
          at=on("2026-03-09"), detail="three")  # fmt: skip


def shown(client: Client, query: str) -> list[str]:
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 200
    return [e.detail for e in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("", ["three", "two", "one"]),
        ("action=exported", ["two"]),
        ("person=alice", ["three", "one"]),
        ("person=ALICE", ["three", "one"]),
        ("person=nobody", []),
        ("recording=2", ["three", "two"]),
        ("ip=192.0.2.1", ["one"]),
        ("ip=2001:DB8:0::1", ["three"]),
        ("date_from=2026-03-05", ["three", "two"]),
        ("date_to=2026-03-05", ["two", "one"]),
        ("date_from=2026-03-02&date_to=2026-03-08", ["two"]),
        ("date_from=1900-01-01&date_to=9999-12-30", ["three", "two", "one"]),
        ("person=alice&recording=2&action=deleted", ["three"]),
    ],
)
def test_each_filter_narrows_the_log(staff: Client, varied: None, query: str, details: list):
    assert shown(staff, query) == details


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("action=erased", "Action: Select a valid choice."),
        ("recording=abc", "Recording id: Enter a whole number."),
        ("recording=0", "Recording id: Ensure this value is greater than or equal to 1."),
        ("recording=" + "9" * 30, "Recording id: Ensure this value is less than or equal to"),
        ("ip=999.1.1.1", "IP address: Enter a valid"),
        ("date_from=2026-13-01", "From: Enter a valid date."),
        ("date_from=2026-03-09&date_to=2026-03-01", "The start date is after the end date."),
        ("date_from=0001-01-01", "From: Choose a day from 1900 to 9999."),
        ("date_to=9999-12-31", "To: Choose a day from 1900 to 9999."),
        ("person=" + "x" * 151, "Person: Ensure this value has at most 150 characters"),
        ("person=%00", "Person: Null characters are not allowed."),
        ("page=abc", "page must be a whole number from 1 to 10,000."),
        ("page=0", "page must be a whole number"),
    ],
)
def test_a_bad_filter_is_a_message_on_the_page(staff: Client, query: str, message: str) -> None:
    response = staff.get(f"/audit/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_every_bad_filter_is_named(staff: Client) -> None:
    page = staff.get("/audit/?recording=x&ip=nope").content.decode()
    assert "Recording id: Enter a whole number." in page
    assert "IP address: Enter a valid" in page


def test_a_bad_filter_on_the_download_is_a_message_too(staff: Client) -> None:
    response = staff.get("/audit/log.csv?ip=nowhere")
    assert response.status_code == 400
    assert "IP address: Enter a valid" in response.content.decode()


def test_the_download_link_keeps_the_filters(staff: Client, varied: None) -> None:
    page = staff.get("/audit/?person=alice&page=1").content.decode()
    assert 'href="/audit/log.csv?person=alice"' in page


# --- CSV ------------------------------------------------------------------------------


@pytest.fixture
def staff_async(root: User) -> Iterator[AsyncClient]:
    """Staff on the async client, which streams as Daphne does.

    The test client closes a streamed response on the event loop, where closing a database
    connection is refused; Daphne closes it in a thread. So the site's closer stands aside
    here, as the test client makes Django's own do.
    """
    client = AsyncClient()
    client.force_login(root)
    request_finished.disconnect(dispatch_uid=CLOSER)
    yield client
    request_finished.connect(close_connections, dispatch_uid=CLOSER)


async def download(client: AsyncClient, query: str = "") -> tuple[Any, list[list[str]]]:
    response = await client.get(f"/audit/log.csv?{query}")
    body = b"".join([chunk async for chunk in response.streaming_content])
    return response, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.django_db(transaction=True)
async def test_the_csv_has_a_header_and_the_filtered_entries(
    staff_async: AsyncClient, varied: None
) -> None:
    response, rows = await download(staff_async, "person=alice")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="parley-audit-')
    assert rows[0] == ["time", "person", "action", "recording_id", "recording_title", "ip",
                       "detail"]  # fmt: skip
    assert [row[1:] for row in rows[1:]] == [
        ["alice", "Deleted", "2", "", "2001:db8::1", "three"],
        ["alice", "Viewed", "1", "", "192.0.2.1", "one"],
    ]
    assert rows[1][0].startswith("2026-03-09T12:00:00")


@pytest.mark.django_db(transaction=True)
async def test_the_csv_is_utf8_and_neutralises_formulas(staff_async: AsyncClient) -> None:
    await AuditEntry.objects.acreate(
        action=Action.EDITED, actor_name="@admin", recording_id=3,
        recording_title='=HYPERLINK("http://evil.example","Réunion")', detail="-2+3",
    )  # fmt: skip
    await AuditEntry.objects.acreate(action=Action.EDITED, recording_title="+1", detail="\tx")
    _, rows = await download(staff_async)
    title = '\'=HYPERLINK("http://evil.example","Réunion")'
    assert rows[2][1:] == ["'@admin", "Edited", "3", title, "", "'-2+3"]
    assert (rows[1][4], rows[1][6]) == ("'+1", "'\tx")


# --- Append-only ----------------------------------------------------------------------


def test_an_entry_cannot_be_changed_or_deleted(user: User) -> None:
    written = audit_record(action=Action.VIEWED, actor=user, detail="as it was")
    written.detail = "rewritten"
    with pytest.raises(ValueError, match="cannot be changed"):
        written.save()
    with pytest.raises(ValueError, match="cannot be deleted"):
        written.delete()
    with pytest.raises(ValueError, match="cannot be changed"):
        AuditEntry.objects.update(detail="rewritten")
    with pytest.raises(ValueError, match="cannot be deleted"):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().detail == "as it was"


def test_an_entry_outlives_its_actors_account(user: User) -> None:
    audit_record(action=Action.VIEWED, actor=user)
    user.delete()
    kept = AuditEntry.objects.get()
    assert (kept.actor_id, kept.actor_name) == (None, "alice")


def test_recording_an_entry_is_one_insert(user: User, django_assert_num_queries: Any) -> None:
    recording = make_recording(user)
    with django_assert_num_queries(1):
        audit_record(action=Action.PLAYED, actor=user, recording=recording, ip="192.0.2.1")


def test_a_long_title_or_detail_is_shortened_not_refused(user: User) -> None:
    recording = Recording(pk=9, title="t" * 300)
    written = audit_record(action=Action.EDITED, actor=user, recording=recording, detail="d" * 900)
    assert (len(written.recording_title), len(written.detail)) == (200, 500)


# --- The admin ------------------------------------------------------------------------


@pytest.fixture
def superuser(client: Client) -> Client:
    client.force_login(make_user("boss", is_staff=True, is_superuser=True))
    return client


def test_the_admin_lists_and_filters_entries(superuser: Client, varied: None) -> None:
    page = superuser.get("/admin/audit/auditentry/?action__exact=exported").content.decode()
    assert "bob" in page
    assert "192.0.2.1" not in page


def test_the_admin_cannot_add_change_or_delete(superuser: Client, varied: None) -> None:
    pk = AuditEntry.objects.first().pk  # type: ignore[union-attr]
    assert superuser.get("/admin/audit/auditentry/add/").status_code == 403
    assert superuser.get(f"/admin/audit/auditentry/{pk}/delete/").status_code == 403
    assert superuser.post(f"/admin/audit/auditentry/{pk}/change/", {}).status_code == 403
    assert (
        'name="_save"'
        not in superuser.get(f"/admin/audit/auditentry/{pk}/change/").content.decode()
    )


@pytest.mark.parametrize("words", ["bob", "192.0.2.2", "2", "not an address", "x" * 300])
def test_the_admin_search_takes_any_words(superuser: Client, varied: None, words: str) -> None:
    assert superuser.get("/admin/audit/auditentry/", {"q": words}).status_code == 200
