"""The review workflow's rules: every step from every state for every role, what each step
leaves behind, and the lock approval puts on the text (pages, API, transcribing again)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client

from api.tokens import token_create
from audit.models import AuditEntry
from review import services
from review.selectors import ACTIONS, review_offers
from teams.models import Membership
from tests.factories import make_recording
from tests.reviewing import NOTE, ROLES, STATES, Cast, bring_to, make_cast
from transcripts.errors import ApplicationError
from transcripts.models import LOCKED_MESSAGE, Recording, Segment
from transcripts.representation import recording_json
from transcripts.selectors import refine_refusal

pytestmark = pytest.mark.django_db

EDITORS = {"owner", "editor", "named", "team_reviewer", "appointed_admin"}
TEAM_REVIEWERS = {"named", "team_reviewer", "appointed_admin"}
# Who may take each step from each state; every other (step, state, role) is refused.
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("submit", "draft"): EDITORS,  # the team's members edit its library's recordings
    ("submit", "changes_requested"): EDITORS,
    ("withdraw", "submitted"): EDITORS,
    ("withdraw", "submitted_to_named"): EDITORS,
    ("take", "submitted"): TEAM_REVIEWERS,
    ("take", "submitted_to_named"): {"named"},
    ("release", "in_review"): {"named"},
    ("approve", "in_review"): {"named"},
    ("request_changes", "in_review"): {"named"},
    ("reopen", "approved"): TEAM_REVIEWERS,  # never the owner, whoever they are
}
AFTER = {
    "submit": "submitted",
    "withdraw": "draft",
    "take": "in_review",
    "release": "submitted",
    "approve": "approved",
    "request_changes": "changes_requested",
    "reopen": "draft",
}
STEPS: dict[str, Callable[..., Recording]] = {
    "submit": services.review_submit,
    "withdraw": services.review_withdraw,
    "take": services.review_take,
    "release": services.review_release,
    "approve": services.review_approve,
    "request_changes": lambda **kw: services.review_request_changes(note=NOTE, **kw),
    "reopen": lambda **kw: services.review_reopen(reason="A name was wrong.", **kw),
}


@pytest.fixture
def cast() -> Cast:
    return make_cast()


def _words(exc: Exception) -> str:
    return exc.messages[0] if isinstance(exc, ValidationError) else str(exc)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", STATES)
def test_each_step_is_allowed_only_to_its_roles_and_offered_only_to_them(
    cast: Cast, state: str, action: str, role: str
) -> None:
    recording = bring_to(cast, state)
    person = cast[role]
    allowed = role in ALLOWED.get((action, state), set())
    assert (action in review_offers(user=person, recording=recording)) is allowed
    before = cast.fresh()
    entries = AuditEntry.objects.count()
    if allowed:
        STEPS[action](recording=recording, by=person)
        assert cast.fresh().review_state == AFTER[action]
        assert AuditEntry.objects.count() == entries + 1
        return
    with pytest.raises((ApplicationError, ValidationError)) as refused:
        STEPS[action](recording=recording, by=person)
    assert _words(refused.value)
    after = cast.fresh()
    assert (after.review_state, after.reviewer_id, after.review_note) == (
        before.review_state, before.reviewer_id, before.review_note,
    )  # fmt: skip
    assert AuditEntry.objects.count() == entries


def test_a_resubmission_goes_back_to_the_reviewer_who_asked_for_changes(cast: Cast) -> None:
    recording = bring_to(cast, "changes_requested")
    assert recording.review_note == NOTE
    recording = services.review_submit(recording=recording, by=cast["owner"])
    assert (recording.review_state, recording.reviewer) == ("submitted", cast["named"])
    assert recording.review_note == ""


def test_a_reviewer_who_asked_for_changes_and_resubmits_sends_it_to_the_team(
    cast: Cast,
) -> None:
    recording = bring_to(cast, "changes_requested")
    recording = services.review_submit(recording=recording, by=cast["named"])
    assert (recording.review_state, recording.reviewer) == ("submitted", None)
    services.review_take(recording=recording, by=cast["team_reviewer"])


def test_a_release_gives_a_team_recording_back_to_the_teams_reviewers(cast: Cast) -> None:
    recording = services.review_release(recording=bring_to(cast, "in_review"), by=cast["named"])
    assert (recording.review_state, recording.reviewer) == ("submitted", None)
    services.review_take(recording=recording, by=cast["team_reviewer"])


def test_whoever_submitted_it_may_not_take_it(cast: Cast) -> None:
    recording = services.review_submit(recording=cast.recording, by=cast["team_reviewer"])
    with pytest.raises(ApplicationError, match="Someone other than who submitted"):
        services.review_take(recording=recording, by=cast["team_reviewer"])
    services.review_take(recording=recording, by=cast["appointed_admin"])


def test_an_owner_who_reviews_for_the_team_still_cannot_reopen_their_approved_text(
    cast: Cast,
) -> None:
    Membership.objects.filter(user=cast["owner"]).update(reviewer=True)
    recording = bring_to(cast, "approved")
    with pytest.raises(ApplicationError, match="other than its owner"):
        services.review_reopen(recording=recording, by=cast["owner"])


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("nobody-by-that-name", "does not review"),
        ("group_only", "does not review"),  # a reviewer, but not in the recording's team
        ("other_team_reviewer", "does not review"),
        ("owner", "does not review"),
        ("x" * 300, "at most 254"),
    ],
)
def test_a_named_reviewer_must_review_the_recordings_team(
    cast: Cast, name: str, problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        services.review_submit(recording=cast.recording, by=cast["owner"], reviewer_name=name)
    assert cast.fresh().review_state == "draft"


def test_a_recording_without_a_team_needs_a_named_reviewer_who_is_someone_else(
    cast: Cast,
) -> None:
    mine = make_recording(cast["group_only"])
    with pytest.raises(ValidationError, match="Name a reviewer"):
        services.review_submit(recording=mine, by=cast["group_only"])
    with pytest.raises(ValidationError, match="Someone else"):
        services.review_submit(recording=mine, by=cast["group_only"], reviewer_name="group_only")
    submitted = services.review_submit(recording=mine, by=cast["group_only"], reviewer_name="named")
    assert submitted.reviewer == cast["named"]


def test_only_a_finished_transcript_is_submitted(cast: Cast) -> None:
    live = make_recording(cast["owner"], status=Recording.Status.LIVE, team=cast.recording.team)
    with pytest.raises(ApplicationError, match="finished"):
        services.review_submit(recording=live, by=cast["owner"])


@pytest.mark.parametrize("note", ["", "   \n\t ", "x" * 2001])
def test_a_request_for_changes_needs_a_note_of_sensible_length(cast: Cast, note: str) -> None:
    recording = bring_to(cast, "in_review")
    with pytest.raises(ValidationError):
        services.review_request_changes(recording=recording, by=cast["named"], note=note)
    assert cast.fresh().review_state == "in_review"


# --- The lock ----------------------------------------------------------------------------


def _page(client: Client, person: User) -> Client:
    client.force_login(person)
    return client


def test_approved_text_refuses_corrections_from_the_page(client: Client, cast: Cast) -> None:
    recording = bring_to(cast, "approved")
    page = _page(client, cast["owner"])
    url = f"/recordings/{recording.pk}/segments/0/"
    answer = page.post(url, {"text": "Changed."}, headers={"Accept": "application/json"})
    assert answer.status_code == 409
    assert answer.json() == {"error": LOCKED_MESSAGE}
    form = page.post(url, {"text": "Changed."}, follow=True)
    assert LOCKED_MESSAGE in form.content.decode()
    assert Segment.objects.get(recording=recording, index=0).text == "Sentence number 0."


def test_approved_text_refuses_speaker_names_from_the_page(client: Client, cast: Cast) -> None:
    recording = bring_to(cast, "approved")
    answer = _page(client, cast["editor"]).post(
        f"/recordings/{recording.pk}/speakers/0/", {"name": "Ana"},
        headers={"Accept": "application/json"},
    )  # fmt: skip
    assert answer.status_code == 409
    assert cast.fresh().speaker_names == {}


def test_approved_text_refuses_corrections_through_the_api(client: Client, cast: Cast) -> None:
    recording = bring_to(cast, "approved")
    _, token = token_create(user=cast["owner"], name="script", scopes=["write"], expires_at=None)
    answer = client.patch(
        f"/api/v1/recordings/{recording.pk}/segments/0", '{"text": "Changed."}',
        content_type="application/json", headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == LOCKED_MESSAGE


def test_the_page_of_approved_text_offers_no_editing(client: Client, cast: Cast) -> None:
    recording = bring_to(cast, "approved")
    page = _page(client, cast["editor"]).get(recording.get_absolute_url()).content.decode()
    assert "edit-segment" not in page
    assert "speaker-form" not in page
    assert "Approved — a reviewer must reopen it to change the text" in page
    assert "Approved by named on" in page


def test_reopening_unlocks_the_text(client: Client, cast: Cast) -> None:
    recording = services.review_reopen(recording=bring_to(cast, "approved"), by=cast["named"])
    answer = _page(client, cast["owner"]).post(
        f"/recordings/{recording.pk}/segments/0/", {"text": "Changed."},
        headers={"Accept": "application/json"},
    )  # fmt: skip
    assert answer.status_code == 200
    assert "edit-segment" in client.get(recording.get_absolute_url()).content.decode()
    reopened = AuditEntry.objects.filter(action="reopened", recording_id=recording.pk).get()
    assert (reopened.actor, reopened.detail) == (cast["named"], "")


def test_approved_text_is_not_transcribed_again(cast: Cast) -> None:
    recording = bring_to(cast, "approved")
    recording.audio.name = "recordings/quarterly.webm"
    assert refine_refusal(recording=recording, busy=False) == LOCKED_MESSAGE


# --- The representation ------------------------------------------------------------------


def test_the_recordings_json_carries_its_review(client: Client, cast: Cast) -> None:
    draft = recording_json(cast.recording)["review"]
    assert draft == {"state": "draft", "reviewer": None, "changed_at": None}
    recording = bring_to(cast, "approved")
    assert recording_json(recording)["review"] == {
        "state": "approved",
        "reviewer": "named",
        "changed_at": recording.review_changed_at.isoformat(),
    }
    _, token = token_create(user=cast["owner"], name="script", scopes=["read"], expires_at=None)
    answer = client.get(
        f"/api/v1/recordings/{recording.pk}", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.json()["review"]["reviewer"] == "named"
