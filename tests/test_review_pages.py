"""The review workflow on the pages: the step endpoints, the recording page's review panel,
who reaches what, the owner's notices (and mail), the history's badges, team reviewers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.utils.encoding import iri_to_uri

from review import services
from review.models import ReviewNotice
from teams.models import Membership
from teams.services import membership_set_reviewer
from tests.factories import make_recording, make_user
from tests.reviewing import NOTE, Cast, bring_to, make_cast, make_reviewer
from transcripts.models import Recording

pytestmark = pytest.mark.django_db
JSON = {"Accept": "application/json"}


@pytest.fixture
def cast() -> Cast:
    return make_cast()


def as_(client: Client, person: User) -> Client:
    client.force_login(person)
    return client


def step(recording: Recording, name: str) -> str:
    return f"/review/{recording.pk}/{name}/"


# --- The step endpoints ------------------------------------------------------------------


def test_the_owner_submits_from_the_page_and_sees_the_state(client: Client, cast: Cast) -> None:
    page = as_(client, cast["owner"])
    answer = page.post(step(cast.recording, "submit"), {"reviewer": ""})
    assert answer.status_code == 302
    assert answer["Location"] == cast.recording.get_absolute_url()
    shown = page.get(answer["Location"]).content.decode()
    assert "Submitted for review." in shown
    assert "Submitted to Support&#x27;s reviewers" in shown
    assert "Withdraw" in shown


def test_a_step_answers_json_when_asked(client: Client, cast: Cast) -> None:
    page = as_(client, cast["owner"])
    answer = page.post(step(cast.recording, "submit"), {"reviewer": "named"}, headers=JSON)
    assert answer.status_code == 200
    assert answer.json() == {
        "state": "submitted",
        "label": "Submitted to named",
        "message": "Submitted for review.",
    }


def test_a_refused_step_says_why_with_409(client: Client, cast: Cast) -> None:
    page = as_(client, cast["viewer"])
    answer = page.post(step(cast.recording, "submit"), headers=JSON)
    assert answer.status_code == 409
    assert "owner and editors" in answer.json()["error"]
    shown = page.post(step(cast.recording, "submit"), follow=True).content.decode()
    assert "Only its owner and editors can submit" in shown
    assert cast.fresh().review_state == "draft"


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("submit", {"reviewer": "nobody-at-all"}),
        ("submit", {"reviewer": "x" * 5000}),
        ("submit", {"reviewer": "named\x00\u202e"}),
        ("changes", {"note": ""}),
        ("changes", {"note": "y" * 10_000}),
        ("reopen", {"reason": "z" * 10_000}),
        ("notices/read", {"upto": "-1"}),
        ("notices/read", {"upto": "9" * 40}),
    ],
)
def test_bad_input_is_refused_with_400_not_500(
    client: Client, cast: Cast, name: str, fields: dict[str, str]
) -> None:
    state = {"submit": "draft", "changes": "in_review", "reopen": "approved"}.get(name, "draft")
    recording = bring_to(cast, state)
    person = cast["owner"] if name in ("submit", "notices/read") else cast["named"]
    answer = as_(client, person).post(step(recording, name), fields, headers=JSON)
    assert answer.status_code == 400
    assert answer.json()["error"]
    assert cast.fresh().review_state == state


@pytest.mark.parametrize(
    "name", ["submit", "withdraw", "take", "release", "approve", "changes", "reopen"]
)
def test_a_stranger_gets_404_and_a_get_gets_405(client: Client, cast: Cast, name: str) -> None:
    recording = bring_to(cast, "submitted")
    assert as_(client, cast["stranger"]).post(step(recording, name)).status_code == 404
    assert as_(client, cast["other_team_reviewer"]).post(step(recording, name)).status_code == 404
    assert as_(client, cast["owner"]).get(step(recording, name)).status_code == 405
    assert client.post("/review/999999/take/").status_code == 404


def test_a_form_goes_back_to_a_safe_next_only(client: Client, cast: Cast) -> None:
    page = as_(client, cast["owner"])
    away = page.post(step(cast.recording, "submit"), {"next": "https://evil.example/"})
    assert away["Location"] == cast.recording.get_absolute_url()
    home = page.post(step(cast.recording, "withdraw"), {"next": "/recordings/?view=mine"})
    assert home["Location"] == "/recordings/?view=mine"


@pytest.mark.parametrize(
    "wanted",
    ["//evil.example/", "/\\evil.example", "javascript:alert(1)", "\x00", "/a\nb", "x" * 9000],
)
def test_a_strange_next_never_fails(client: Client, cast: Cast, wanted: str) -> None:
    answer = as_(client, cast["owner"]).post(step(cast.recording, "submit"), {"next": wanted})
    assert answer.status_code == 302
    assert answer["Location"] in (cast.recording.get_absolute_url(), iri_to_uri(wanted))
    assert not answer["Location"].startswith(("//", "/\\", "javascript"))


def test_the_whole_round_through_the_pages(client: Client, cast: Cast) -> None:
    recording = cast.recording
    as_(client, cast["owner"]).post(step(recording, "submit"), {"reviewer": "named"})
    reviewer = as_(Client(), cast["named"])
    assert reviewer.post(step(recording, "take")).status_code == 302
    reviewer.post(step(recording, "changes"), {"note": NOTE})
    assert cast.fresh().review_state == "changes_requested"
    client.post(step(recording, "submit"), {"reviewer": ""})
    reviewer.post(step(recording, "take"))
    reviewer.post(step(recording, "approve"))
    assert cast.fresh().review_state == "approved"
    reviewer.post(step(recording, "reopen"), {"reason": "The date was wrong."})
    assert cast.fresh().review_state == "draft"


def test_a_reviewer_left_without_access_goes_to_the_review_queue(client: Client) -> None:
    owner, reviewer = make_user("ana"), make_reviewer("rui")
    recording = make_recording(owner)
    services.review_submit(recording=recording, by=owner, reviewer_name="rui")
    page = as_(client, reviewer)
    page.post(step(recording, "take"))
    page.post(step(recording, "approve"))
    answer = page.post(step(recording, "reopen"))
    assert answer["Location"] == "/review/"
    assert page.get(recording.get_absolute_url()).status_code == 404


# --- The panel and who reaches what ------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "role", "offered", "absent"),
    [
        ("draft", "owner", ["Submit for review", "The team's reviewers (Support)", ">named<"], []),
        ("draft", "viewer", [], ['id="review"']),
        ("submitted", "team_reviewer", ["Take for review"], ["Approve"]),
        ("submitted_to_named", "team_reviewer", [], ["Take for review"]),
        ("in_review", "named", ["Approve", "Request changes", "Release", "/review/"], []),
        ("changes_requested", "owner", ["Resubmit", NOTE.replace("'", "&#x27;")], []),
        ("approved", "appointed_admin", ["Reopen", "Approved by named on"], ["Approve<"]),
    ],
)
def test_the_panel_offers_what_this_person_may_do_now(
    client: Client, cast: Cast, state: str, role: str, offered: list[str], absent: list[str]
) -> None:
    recording = bring_to(cast, state)
    page = as_(client, cast[role]).get(recording.get_absolute_url()).content.decode()
    for words in offered:
        assert words in page
    for words in absent:
        assert words not in page


def test_a_reviewer_reaches_only_what_was_submitted_to_them(client: Client, cast: Cast) -> None:
    outsider = make_reviewer("rui")
    mine = make_recording(cast["editor"], title="Board minutes")
    url = mine.get_absolute_url()
    assert as_(client, outsider).get(url).status_code == 404
    services.review_submit(recording=mine, by=cast["editor"], reviewer_name="rui")
    assert client.get(url).status_code == 200
    assert "Board minutes" not in client.get("/recordings/").content.decode()
    assert as_(Client(), cast["group_only"]).get(url).status_code == 404
    submitted = bring_to(cast, "submitted").get_absolute_url()
    assert as_(Client(), cast["other_team_reviewer"]).get(submitted).status_code == 404


def test_the_history_shows_review_badges_in_the_same_queries(
    client: Client, cast: Cast, django_assert_num_queries
) -> None:
    page = as_(client, cast["owner"])
    # session, user, teams, count, notices, review link, page, tags
    with django_assert_num_queries(8) as few:
        page.get("/recordings/")
    bring_to(cast, "in_review")
    for _ in range(5):
        other = make_recording(cast["owner"])
        services.review_submit(recording=other, by=cast["owner"], reviewer_name="group_only")
    with django_assert_num_queries(len(few.captured_queries)):
        shown = page.get("/recordings/").content.decode()
    assert "In review by named" in shown
    assert shown.count("Submitted to group_only") == 5


# --- Notices -----------------------------------------------------------------------------


def test_the_owner_is_told_once_on_the_page(client: Client, cast: Cast) -> None:
    recording = bring_to(cast, "approved")
    page = as_(client, cast["owner"])
    shown = page.get(recording.get_absolute_url()).content.decode()
    assert "named approved this transcript" in shown
    assert 'class="nav-count">1<' in shown
    notice = ReviewNotice.objects.get(recording=recording)
    read = page.post(step(recording, "notices/read"), {"upto": notice.pk}, headers=JSON)
    assert read.json() == {"read": 1}
    again = page.get(recording.get_absolute_url()).content.decode()
    assert "approved this transcript" not in again
    assert "nav-count" not in again


def test_only_the_owner_sees_the_notice(client: Client, cast: Cast) -> None:
    recording = bring_to(cast, "changes_requested")
    shown = as_(client, cast["editor"]).get(recording.get_absolute_url()).content.decode()
    assert "review-notices" not in shown
    assert ReviewNotice.objects.get().read_at is None


@pytest.mark.parametrize("configured", [True, False])
def test_the_owner_is_mailed_when_mail_is_configured(
    cast: Cast, settings, django_capture_on_commit_callbacks, configured: bool
) -> None:
    settings.EMAIL_CONFIGURED = configured
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    recording = bring_to(cast, "in_review")
    with django_capture_on_commit_callbacks(execute=True):
        services.review_request_changes(recording=recording, by=cast["named"], note=NOTE)
    assert len(mail.outbox) == (1 if configured else 0)
    if configured:
        assert mail.outbox[0].to == ["owner@example.com"]
        assert NOTE in mail.outbox[0].body


# --- Team reviewers ----------------------------------------------------------------------


def test_a_team_admin_appoints_a_member_as_reviewer(client: Client, cast: Cast) -> None:
    team = cast.recording.team
    assert team is not None
    url = f"/teams/{team.pk}/members/{cast['owner'].pk}/reviewer/"
    answer = as_(client, cast["appointed_admin"]).post(url, {"reviewer": "1"}, follow=True)
    assert "Reviewer appointed." in answer.content.decode()
    assert Membership.objects.get(team=team, user=cast["owner"]).reviewer
    assert ">Reviewer</span>" in answer.content.decode()
    client.post(url, {"reviewer": "0"})
    assert not Membership.objects.get(team=team, user=cast["owner"]).reviewer


def test_an_appointed_member_reviews_the_teams_recordings(cast: Cast) -> None:
    team = cast.recording.team
    assert team is not None
    admin = cast["appointed_admin"]
    with pytest.raises(Http404):  # shared with, but not in the team
        membership_set_reviewer(team=team, user_id=cast["editor"].pk, reviewer=True, by=admin)
    member = make_user("member")
    Membership.objects.create(team=team, user=member)
    membership_set_reviewer(team=team, user_id=member.pk, reviewer=True, by=admin)
    services.review_take(recording=bring_to(cast, "submitted"), by=member)


@pytest.mark.parametrize("value", ["", "yes", "2", "1\x00"])
def test_an_appointment_needs_a_clear_choice(client: Client, cast: Cast, value: str) -> None:
    team = cast.recording.team
    assert team is not None
    url = f"/teams/{team.pk}/members/{cast['owner'].pk}/reviewer/"
    answer = as_(client, cast["appointed_admin"]).post(url, {"reviewer": value}, follow=True)
    assert answer.status_code == 200
    assert "Choose to appoint or to stop." in answer.content.decode()
    assert not Membership.objects.get(team=team, user=cast["owner"]).reviewer


def test_only_team_admins_appoint_reviewers(client: Client, cast: Cast) -> None:
    team = cast.recording.team
    assert team is not None
    url = f"/teams/{team.pk}/members/{cast['owner'].pk}/reviewer/"
    assert as_(client, cast["named"]).post(url, {"reviewer": "1"}).status_code == 404
    with pytest.raises(PermissionDenied):
        membership_set_reviewer(
            team=team, user_id=cast["owner"].pk, reviewer=True, by=cast["named"]
        )
    assert not Membership.objects.get(team=team, user=cast["owner"]).reviewer
    stranger = f"/teams/{team.pk}/members/{cast['stranger'].pk}/reviewer/"
    assert as_(client, cast["appointed_admin"]).post(stranger, {"reviewer": "1"}).status_code == 404


# --- The admin ---------------------------------------------------------------------------


def test_staff_see_review_states_and_team_reviewers_in_the_admin(
    client: Client, cast: Cast
) -> None:
    recording = bring_to(cast, "in_review")
    staff = as_(client, make_user("root", is_staff=True, is_superuser=True))
    listed = staff.get("/admin/transcripts/recording/", {"review_state": "in_review"})
    assert "Quarterly call" in listed.content.decode()
    detail = staff.get(f"/admin/transcripts/recording/{recording.pk}/change/").content.decode()
    assert "In review" in detail
    assert 'name="review_state"' not in detail  # moved only by the workflow
    reviewers = staff.get("/admin/teams/membership/", {"reviewer__exact": "1"}).content.decode()
    assert "appointed_admin" in reviewers
    assert "team_reviewer" not in reviewers
