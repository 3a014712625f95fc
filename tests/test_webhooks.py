"""Outgoing webhooks against a real loopback receiver that verifies every signature with the
`standardwebhooks` package (an independent implementation of the scheme)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from teams.models import Team
from tests.factories import make_recording, make_team, make_user
from tests.working import run_worker
from transcripts import services
from transcripts.engines.base import FileTranscript
from transcripts.jobs import services as job_services
from transcripts.management.commands.db_worker import sweep
from transcripts.models import Recording, RecordingShare
from webhooks import delivery as deliveries
from webhooks import receivers
from webhooks import services as webhook_services
from webhooks.models import EVENTS, Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Received:
    """What the receiver got: verified payloads, and every request's headers."""

    payloads: list[dict[str, object]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


class Receiver:
    """A webhook receiver on loopback: answers each request from a script of statuses.

    "slow" holds the answer until the test ends (longer than the client's timeout).
    """

    def __init__(self) -> None:
        self.secret = ""
        self.script: list[int | str] = []
        self.received = Received()
        self.release = threading.Event()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.verify(body, dict(self.headers.items()))
                action = receiver.script.pop(0) if receiver.script else 200
                if action == "slow":
                    receiver.release.wait(10)
                    action = 200
                answer = b"thanks" if action == 200 else b"boom: the receiver fell over"
                self.send_response(int(action))
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def verify(self, body: bytes, headers: dict[str, str]) -> None:
        self.received.headers.append(headers)
        try:
            self.received.payloads.append(Webhook(self.secret).verify(body, headers))
        except WebhookVerificationError as exc:
            self.received.refused.append(str(exc))

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *args: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with Receiver() as running:
        yield running


def register(
    receiver: Receiver, owner: User, events: list[str], team: Team | None = None
) -> Endpoint:
    endpoint = webhook_services.endpoint_create(
        owner=owner, team=team, url=receiver.url, events=events
    )
    receiver.secret = endpoint.secret
    return endpoint


def start(owner: User) -> Recording:
    return services.recording_start(
        owner=owner, title="Standup", language="en", engine="deepgram", model="nova-3", options={}
    )


def attempt(delivery: Delivery) -> deliveries.Outcome | None:
    return deliveries.delivery_attempt(delivery_id=delivery.pk)


def make_due(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


# --- Signed deliveries by the worker ---------------------------------------------------


def test_the_worker_delivers_a_signed_event_the_standard_verifier_accepts(
    receiver: Receiver, user: User
) -> None:
    register(receiver, user, ["recording.completed"])
    recording = start(user)
    services.recording_finish(recording_id=recording.pk, duration=12.0)
    run_worker()
    assert receiver.received.refused == []
    [payload] = receiver.received.payloads
    assert payload["type"] == "recording.completed"
    assert str(payload["id"]).startswith("msg_")
    assert payload["id"] == receiver.received.headers[0]["webhook-id"]
    shown = payload["data"]["recording"]  # type: ignore[index]
    assert shown["id"] == recording.pk
    assert (shown["status"], shown["owner"], shown["duration"]) == ("completed", "alice", 12.0)
    assert shown["exports"]["srt"].endswith(f"/recordings/{recording.pk}/export/srt/")
    assert "audio" not in json.dumps(shown)
    assert Delivery.objects.get().status == Delivery.Status.SUCCEEDED


def test_a_body_changed_on_the_way_fails_verification(receiver: Receiver, user: User) -> None:
    endpoint = register(receiver, user, ["recording.started"])
    start(user)
    found = Delivery.objects.get(endpoint=endpoint)
    found.payload = found.payload | {"type": "recording.deleted"}
    headers = deliveries.signing.headers(
        secret=endpoint.secret, event_id=found.event_id, timestamp=1, body=b"{}"
    )
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(deliveries.body_of(found), headers)


# --- Each event from its real transition -------------------------------------------------


def _finish(owner: User) -> Recording:
    recording = start(owner)
    return services.recording_finish(recording_id=recording.pk, duration=3.0)


def _fail_live(owner: User) -> Recording:
    recording = start(owner)
    return services.recording_finish(recording_id=recording.pk, duration=3.0, engine_error="No.")


def _refine(owner: User) -> Recording:
    recording = _finish(owner)
    with transaction.atomic():
        return services.recording_complete_refined(recording=recording, duration=3.0)


def _upload(owner: User, *, fail: bool) -> Recording:
    recording = services.recording_create_upload(
        owner_id=owner.pk, title="Call", language="en", engine="deepgram", model="nova-3",
        options={}, audio="recordings/call.wav", original_filename="call.wav", file_size=4,
        media_format="wav",
    )  # fmt: skip
    job = job_services.job_create(recording=recording)
    job_services.job_claim(job_id=job.pk, token=str(job.token))
    if fail:
        job_services.job_fail(job_id=job.pk, token=str(job.token), message="Refused.")
    else:
        transcript = FileTranscript(segments=(), duration=2.0)
        job_services.job_complete(job_id=job.pk, token=str(job.token), transcript=transcript)
    return recording


def _delete(owner: User) -> Recording:
    recording = make_recording(owner)
    services.recording_delete(recording=Recording.objects.get(pk=recording.pk))
    return recording


TRANSITIONS = {
    "recording.started": start,
    "recording.completed": _finish,
    "recording.refined": _refine,
    "transcription.completed": lambda owner: _upload(owner, fail=False),
    "transcription.failed": lambda owner: _upload(owner, fail=True),
    "recording.deleted": _delete,
}


@pytest.mark.parametrize("event", list(TRANSITIONS))
def test_each_event_is_queued_by_its_transition_for_endpoints_that_chose_it(
    receiver: Receiver, user: User, event: str
) -> None:
    chose = register(receiver, user, [event])
    others = register(receiver, user, [name for name in EVENTS if name != event])
    recording = TRANSITIONS[event](user)
    [queued] = Delivery.objects.filter(endpoint=chose)
    assert queued.event_type == event
    assert queued.payload["data"]["recording"]["id"] == recording.pk
    assert queued.payload["data"]["recording"]["title"] == recording.title
    assert not Delivery.objects.filter(endpoint=others, event_type=event).exists()


def test_a_live_recording_that_fails_sends_transcription_failed(
    receiver: Receiver, user: User
) -> None:
    endpoint = register(receiver, user, ["transcription.failed", "recording.completed"])
    _fail_live(user)
    [failed] = Delivery.objects.filter(endpoint=endpoint)
    assert failed.event_type == "transcription.failed"
    assert failed.payload["data"]["recording"]["error"] == "No."


def test_no_delivery_for_events_not_chosen_nor_for_other_peoples_recordings(
    receiver: Receiver, user: User, other_user: User
) -> None:
    register(receiver, user, ["recording.deleted"])
    _finish(user)
    _finish(other_user)
    run_worker()
    assert Delivery.objects.count() == 0
    assert receiver.received.payloads == []


def test_a_disabled_endpoint_gets_nothing(receiver: Receiver, user: User) -> None:
    endpoint = register(receiver, user, ["recording.started"])
    webhook_services.endpoint_disable(endpoint=endpoint)
    start(user)
    assert Delivery.objects.count() == 0


def test_with_no_endpoint_enabled_an_event_costs_one_query(
    receiver: Receiver, user: User, django_assert_num_queries
) -> None:
    # The end of every live meeting sends an event, on the live process: most installations
    # have no webhooks, and then the event must not look up the recording and its teams.
    webhook_services.endpoint_disable(endpoint=register(receiver, user, ["recording.completed"]))
    recording = make_recording(user)
    with django_assert_num_queries(1):
        receivers.recording_event("recording.completed", recording_id=recording.pk)
    assert Delivery.objects.count() == 0


# --- Team endpoints ---------------------------------------------------------------------


def test_a_team_endpoint_hears_the_teams_recordings_only(
    receiver: Receiver, user: User, other_user: User
) -> None:
    team = make_team(admins=(user,), members=(other_user,))
    endpoint = register(receiver, user, ["recording.completed"], team=team)
    mine = _finish(other_user)  # not in the team's library: nothing
    shared = _finish(other_user)
    RecordingShare.objects.create(recording=shared, team=team)
    in_library = make_recording(other_user, status=Recording.Status.LIVE, team=team)
    services.recording_finish(recording_id=in_library.pk, duration=1.0)
    services.recording_finish(recording_id=shared.pk, duration=1.0)
    ids = {d.payload["data"]["recording"]["id"] for d in Delivery.objects.filter(endpoint=endpoint)}
    assert ids == {in_library.pk, shared.pk}
    assert mine.pk not in ids


def test_a_team_endpoint_falls_silent_when_its_registrant_is_no_longer_admin(
    receiver: Receiver, user: User, other_user: User
) -> None:
    team = make_team(admins=(user, other_user))
    register(receiver, user, ["recording.completed"], team=team)
    team.memberships.filter(user=user).delete()
    recording = make_recording(other_user, status=Recording.Status.LIVE, team=team)
    services.recording_finish(recording_id=recording.pk, duration=1.0)
    assert Delivery.objects.count() == 0


# --- Retries, timeouts, giving up, disabling ---------------------------------------------


def test_a_500_is_logged_and_retried_after_a_growing_delay_until_it_succeeds(
    receiver: Receiver, user: User
) -> None:
    endpoint = register(receiver, user, ["recording.started"])
    start(user)
    receiver.script = [500, 500, 200]
    queued = Delivery.objects.get()
    assert attempt(queued).status_code == 500  # type: ignore[union-attr]
    queued.refresh_from_db()
    first_wait = queued.next_attempt_at - timezone.now()  # type: ignore[operator]
    assert timedelta(seconds=25) < first_wait <= timedelta(seconds=30)
    assert attempt(queued) is None  # not due yet: nothing is sent
    make_due(queued)
    attempt(queued)
    queued.refresh_from_db()
    assert queued.next_attempt_at - timezone.now() > timedelta(seconds=55)  # type: ignore[operator]
    make_due(queued)
    attempt(queued)
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (Delivery.Status.SUCCEEDED, 3)
    codes = list(queued.attempt_log.order_by("at", "pk").values_list("status_code", flat=True))
    assert codes == [500, 500, 200]
    assert queued.attempt_log.filter(response_excerpt__startswith="boom").count() == 2
    assert len(receiver.received.payloads) == 3
    assert len({h["webhook-id"] for h in receiver.received.headers}) == 1
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_the_worker_queues_the_retry_for_later(receiver: Receiver, user: User) -> None:
    register(receiver, user, ["recording.started"])
    receiver.script = [503]
    start(user)
    run_worker()  # the retry is not due yet, so the batch ends
    queued = Delivery.objects.get()
    assert (queued.status, queued.attempts) == (Delivery.Status.PENDING, 1)
    make_due(queued)
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (Delivery.Status.SUCCEEDED, 2)


def test_a_receiver_slower_than_the_timeout_is_retried(
    receiver: Receiver, user: User, settings
) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    register(receiver, user, ["recording.started"])
    start(user)
    receiver.script = ["slow", 204]
    queued = Delivery.objects.get()
    outcome = attempt(queued)
    assert outcome is not None
    assert outcome.error == "No answer within 0.3 seconds."
    queued.refresh_from_db()
    assert queued.status == Delivery.Status.PENDING
    make_due(queued)
    assert attempt(queued).succeeded  # type: ignore[union-attr]


def test_a_delivery_gives_up_when_its_day_is_over(receiver: Receiver, user: User) -> None:
    register(receiver, user, ["recording.started"])
    start(user)
    receiver.script = [500]
    queued = Delivery.objects.get()
    Delivery.objects.filter(pk=queued.pk).update(retry_until=timezone.now())
    attempt(queued)
    queued.refresh_from_db()
    assert (queued.status, queued.next_attempt_at) == (Delivery.Status.FAILED, None)


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_page_says_why(
    receiver: Receiver, user: User, logged_in: Client
) -> None:
    endpoint = register(receiver, user, ["recording.started"])
    start(user)
    start(user)
    receiver.script = [500]
    first, waiting = Delivery.objects.order_by("pk")
    Endpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(hours=24, minutes=1)
    )
    attempt(first)
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "every delivery has failed since" in endpoint.disabled_reason
    assert "HTTP 500" in endpoint.disabled_reason
    waiting.refresh_from_db()
    assert waiting.status == Delivery.Status.FAILED
    page = logged_in.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk]))
    assert "This endpoint is disabled" in page.content.decode()
    assert "every delivery has failed since" in page.content.decode()
    start(user)
    assert Delivery.objects.count() == 2  # nothing new for a disabled endpoint
    logged_in.post(reverse("webhooks:endpoint_enable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.failing_since, endpoint.disabled_reason) == (True, None, "")


def test_one_failure_starts_the_clock_without_disabling(receiver: Receiver, user: User) -> None:
    endpoint = register(receiver, user, ["recording.started"])
    start(user)
    receiver.script = [500]
    attempt(Delivery.objects.get())
    endpoint.refresh_from_db()
    assert endpoint.enabled
    assert endpoint.failing_since is not None


# --- The SSRF guard -----------------------------------------------------------------------


def test_a_private_address_is_refused_at_registration_in_words(
    logged_in: Client, user: User
) -> None:
    answer = logged_in.post(
        reverse("webhooks:endpoint_list"),
        {"url": "http://10.0.0.5/hook", "events": ["recording.completed"]},
    )
    assert answer.status_code == 400
    assert "private address" in answer.content.decode()
    assert not Endpoint.objects.exists()


def test_a_private_address_is_refused_at_delivery(receiver: Receiver, user: User, settings) -> None:
    register(receiver, user, ["recording.started"])
    start(user)
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    outcome = attempt(Delivery.objects.get())
    assert outcome is not None
    assert outcome.error.startswith("Refused: 127.0.0.1 is a loopback address")
    assert receiver.received.headers == []


# --- Pages ----------------------------------------------------------------------------------


def test_registering_shows_the_secret_and_a_test_event_reaches_the_receiver(
    receiver: Receiver, logged_in: Client
) -> None:
    answer = logged_in.post(
        reverse("webhooks:endpoint_list"), {"url": receiver.url, "events": ["recording.started"]}
    )
    endpoint = Endpoint.objects.get()
    assert answer["Location"] == reverse("webhooks:endpoint_detail", args=[endpoint.pk])
    page = logged_in.get(answer["Location"]).content.decode()
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in page
    receiver.secret = endpoint.secret
    logged_in.post(reverse("webhooks:endpoint_test", args=[endpoint.pk]))
    run_worker()
    [payload] = receiver.received.payloads
    assert payload["type"] == "webhook.test"
    page = logged_in.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk])).content.decode()
    assert "HTTP 200" in page
    assert "thanks" in page


def test_redeliver_sends_the_same_event_again(receiver: Receiver, user: User) -> None:
    client = Client()
    client.force_login(user)
    endpoint = register(receiver, user, ["recording.started"])
    start(user)
    run_worker()
    queued = Delivery.objects.get()
    client.post(reverse("webhooks:delivery_redeliver", args=[endpoint.pk, queued.pk]))
    run_worker()
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (Delivery.Status.SUCCEEDED, 2)
    assert [p["id"] for p in receiver.received.payloads] == [queued.event_id] * 2


def test_events_are_chosen_on_the_endpoint_page(receiver: Receiver, logged_in: Client) -> None:
    endpoint = register(receiver, logged_in_user(logged_in), ["recording.started"])
    url = reverse("webhooks:endpoint_events", args=[endpoint.pk])
    answer = logged_in.post(url, {"events": ["recording.deleted", "recording.completed"]})
    assert answer.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == ["recording.completed", "recording.deleted"]
    answer = logged_in.post(url, {})
    assert answer.status_code == 400
    assert "Choose at least one event." in answer.content.decode()


def logged_in_user(client: Client) -> User:
    return User.objects.get(pk=client.session["_auth_user_id"])


STRANGERS_REQUESTS = [
    ("get", "endpoint_detail"),
    ("get", "endpoint_delete"),
    ("post", "endpoint_delete"),
    ("post", "endpoint_test"),
    ("post", "endpoint_enable"),
    ("post", "endpoint_disable"),
    ("post", "endpoint_events"),
    ("post", "delivery_redeliver"),
]


@pytest.mark.parametrize(("method", "name"), STRANGERS_REQUESTS)
def test_someone_elses_endpoint_answers_404_like_a_missing_one(
    receiver: Receiver, user: User, other_user: User, logged_in: Client, method: str, name: str
) -> None:
    endpoint = register(receiver, other_user, ["recording.started"])
    webhook_services.endpoint_send_test(endpoint=endpoint)
    args = (
        [endpoint.pk, Delivery.objects.get().pk] if name == "delivery_redeliver" else [endpoint.pk]
    )
    missing = [endpoint.pk + 99, *args[1:]]
    send = getattr(logged_in, method)
    assert send(reverse(f"webhooks:{name}", args=args)).status_code == 404
    assert send(reverse(f"webhooks:{name}", args=missing)).status_code == 404
    assert Endpoint.objects.get().enabled
    assert Delivery.objects.get().attempts == 0


def test_team_admins_manage_the_teams_endpoints_and_members_do_not(
    receiver: Receiver, user: User, other_user: User
) -> None:
    team = make_team(admins=(user,), members=(other_user,))
    another_admin = make_user("carol")
    team.memberships.create(user=another_admin, role="admin")
    member, admin = Client(), Client()
    member.force_login(other_user)
    admin.force_login(another_admin)
    refused = member.post(
        reverse("webhooks:endpoint_list"),
        {"url": receiver.url, "events": ["recording.started"], "team": team.pk},
    )
    assert refused.status_code == 404
    endpoint = register(receiver, user, ["recording.started"], team=team)
    detail = reverse("webhooks:endpoint_detail", args=[endpoint.pk])
    assert member.get(detail).status_code == 404
    assert admin.get(detail).status_code == 200


def test_deleting_an_endpoint_forgets_it(receiver: Receiver, logged_in: Client) -> None:
    endpoint = register(receiver, logged_in_user(logged_in), ["recording.started"])
    url = reverse("webhooks:endpoint_delete", args=[endpoint.pk])
    assert "Delete this endpoint?" in logged_in.get(url).content.decode()
    assert logged_in.post(url).status_code == 302
    assert not Endpoint.objects.exists()


def test_the_list_page_reads_in_a_fixed_number_of_queries(
    receiver: Receiver, logged_in: Client, django_assert_max_num_queries
) -> None:
    user = logged_in_user(logged_in)
    team = make_team(admins=(user,))
    for _ in range(3):
        register(receiver, user, ["recording.started"])
        register(receiver, user, ["recording.started"], team=team)
    with django_assert_max_num_queries(8):
        page = logged_in.get(reverse("webhooks:endpoint_list"))
    assert page.content.decode().count(receiver.url) == 6


def test_staff_see_endpoints_and_deliveries_with_their_attempts_in_the_admin(
    receiver: Receiver, user: User
) -> None:
    register(receiver, user, ["recording.started"])
    start(user)
    receiver.script = [502]
    attempt(Delivery.objects.get())
    staff = Client()
    staff.force_login(make_user("root", is_staff=True, is_superuser=True))
    assert receiver.url in staff.get(reverse("admin:webhooks_endpoint_changelist")).content.decode()
    assert (
        "recording.started"
        in staff.get(reverse("admin:webhooks_delivery_changelist")).content.decode()
    )
    page = staff.get(reverse("admin:webhooks_delivery_change", args=[Delivery.objects.get().pk]))
    assert "boom: the receiver fell over" in page.content.decode()


def test_the_janitor_resends_what_a_dead_worker_left_and_forgets_old_deliveries(
    receiver: Receiver, user: User
) -> None:
    endpoint = register(receiver, user, ["recording.started"])
    start(user)
    left = Delivery.objects.get()
    # A worker claimed the attempt and died: its task is gone, the attempt long overdue.
    DBTaskResult.objects.all().delete()
    Delivery.objects.filter(pk=left.pk).update(
        attempts=1, next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    old = webhook_services.endpoint_send_test(endpoint=endpoint)
    DBTaskResult.objects.all().delete()
    Delivery.objects.filter(pk=old.pk).update(
        status=Delivery.Status.SUCCEEDED, created_at=timezone.now() - timedelta(days=31)
    )
    sweep()
    run_worker()
    left.refresh_from_db()
    assert (left.status, left.attempts) == (Delivery.Status.SUCCEEDED, 2)
    assert not Delivery.objects.filter(pk=old.pk).exists()
    assert [p["id"] for p in receiver.received.payloads] == [left.event_id]


def test_a_person_keeps_at_most_ten_endpoints(receiver: Receiver, logged_in: Client) -> None:
    for _ in range(10):
        register(receiver, logged_in_user(logged_in), ["recording.started"])
    answer = logged_in.post(
        reverse("webhooks:endpoint_list"), {"url": receiver.url, "events": ["recording.started"]}
    )
    assert answer.status_code == 400
    assert "at most 10 endpoints" in answer.content.decode()
    assert Endpoint.objects.count() == 10


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "Enter the address"),
        ("ftp://example.com/hook", "Only http:// and https://"),
        ("http://user:pw@example.com/hook", "user name or password"),
        ("http://169.254.169.254/latest/", "metadata"),
        ("http://example.com/a b", "spaces or control characters"),
        ("http://example.com/\x00", "spaces or control characters"),
        ("http://example.com/" + "a" * 2000, "at most 2,000 characters"),
    ],
)
def test_an_address_parley_must_not_send_to_is_refused_in_words(url: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        webhook_services.clean_url(url)


def test_a_disabled_endpoint_is_sent_no_test_and_no_redelivery_and_says_so(
    receiver: Receiver, logged_in: Client
) -> None:
    endpoint = register(receiver, logged_in_user(logged_in), ["recording.started"])
    sent = webhook_services.endpoint_send_test(endpoint=endpoint)
    logged_in.post(reverse("webhooks:endpoint_disable", args=[endpoint.pk]))
    for url in (
        reverse("webhooks:endpoint_test", args=[endpoint.pk]),
        reverse("webhooks:delivery_redeliver", args=[endpoint.pk, sent.pk]),
    ):
        answer = logged_in.post(url)
        assert answer.status_code == 409
        assert "Enable the endpoint first" in answer.content.decode()
    run_worker()
    assert receiver.received.headers == []
    assert Delivery.objects.get().status == Delivery.Status.FAILED


def test_the_endpoint_page_reads_in_a_fixed_number_of_queries(
    receiver: Receiver, logged_in: Client, django_assert_max_num_queries
) -> None:
    endpoint = register(receiver, logged_in_user(logged_in), ["recording.started"])
    receiver.script = [500] * 6
    for _ in range(6):
        attempt(webhook_services.endpoint_send_test(endpoint=endpoint))
    with django_assert_max_num_queries(8):
        page = logged_in.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk]))
    assert page.content.decode().count("HTTP 500") == 6
