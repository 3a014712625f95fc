"""The refined transcript: a live recording's stored audio transcribed again by the worker."""

from __future__ import annotations

import json
import threading
import wave
from collections.abc import Callable
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import session_cookie
from tests.factories import make_user
from tests.fake_deepgram import FakeDeepgram
from tests.fakedeepgram.transcript import WORD_CONFIDENCE
from tests.test_job_events import EventsSocket
from tests.test_worker import run_job_in_thread, run_worker
from tests.uploading import SPEECH_WAV
from transcripts import services
from transcripts.engines.base import FileTranscript, FinalSegment, Word
from transcripts.jobs import merge, refine
from transcripts.jobs import services as jobs
from transcripts.live.archive import OggOpusWriter, ogg_duration
from transcripts.live.spool import recording_add_audio
from transcripts.models import OutboxEvent, Recording, Segment, TranscriptionJob
from transcripts.search.selectors import SearchFilters, parse_query, search_segments
from transcripts.storage import store_file

pytestmark = pytest.mark.django_db(transaction=True)

# What the live engine wrote, and what the fake Deepgram hears in the stored Ogg: it cannot
# decode Ogg, so it gives script entry i the span [2i + 0.2, 2i + 1.8], speakers 0 and 1.
DRAFT = ["good morning everyone thanks for joining", "let us review the quarterly lumbers"]
SCRIPT = ["Good morning everyone, thanks for joining.", "Let us review the quarterly numbers."]


@pytest.fixture(scope="session")
def speech_ogg(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """tests/fixtures/speech.wav as a live session archives it: Ogg/Opus."""
    path = tmp_path_factory.mktemp("ogg") / "speech.ogg"
    with wave.open(str(SPEECH_WAV)) as source:
        writer = OggOpusWriter(path, source.getframerate())
        writer.write(source.readframes(source.getnframes()))
    writer.close()
    return path.read_bytes()


@pytest.fixture
def add_audio(speech_ogg: bytes, tmp_path: Path) -> Callable[[Recording], None]:
    """Stores the archived speech as a finished live session stores its encoded spool."""

    def store(recording: Recording) -> None:
        path = tmp_path / "spool.ogg"
        path.write_bytes(speech_ogg)
        recording_add_audio(recording_id=recording.pk, spool=path)

    return store


def record_live(
    owner: User, *, speaker: int | None = None, refine_it: bool = True, title: str = "Standup"
) -> Recording:
    """A live recording still in progress, with the draft's two segments saved."""
    recording = services.recording_start(
        owner=owner,
        title=title,
        language="en",
        engine="deepgram",
        model="nova-3",
        options={},
        refine=refine_it,
    )
    for index, text in enumerate(DRAFT):
        start = 2 * index + 0.2
        segment = FinalSegment(text, start, start + 1.6, speaker=speaker, words=words(text, start))
        services.segment_append(recording_id=recording.pk, index=index, segment=segment)
    return recording


def words(text: str, start: float) -> tuple[Word, ...]:
    tokens = text.split()
    step = 1.6 / len(tokens)
    return tuple(
        Word(token, round(start + i * step, 3), round(start + (i + 1) * step, 3))
        for i, token in enumerate(tokens)
    )


def finish(recording: Recording, status: str = Recording.Status.COMPLETED) -> None:
    """As the live session ends: the recording is closed, then refined if that is due."""
    services.recording_finish(
        recording_id=recording.pk,
        duration=4.0,
        interrupted=status == Recording.Status.INTERRUPTED,
        engine_error="The engine failed." if status == Recording.Status.FAILED else "",
    )
    refine.refine_if_due(recording_id=recording.pk)


def attach(recording: Recording, name: str) -> None:
    """As a resumed recording's parts, joined, are stored: attached, then refined if due."""
    services.recording_attach_audio(recording=recording, name=name)
    refine.refine_if_due(recording_id=recording.pk, audio_changed=True)


@pytest.fixture
def recorded(
    user: User, deepgram: FakeDeepgram, add_audio: Callable[[Recording], None]
) -> Callable[..., Recording]:
    """A live recording that ended as asked, with its audio stored (refine job queued if due)."""
    deepgram.script = SCRIPT

    def make(status: str = Recording.Status.COMPLETED, **options: object) -> Recording:
        recording = record_live(user, **options)  # type: ignore[arg-type]
        finish(recording, status)
        add_audio(recording)
        recording.refresh_from_db()
        return recording

    return make


def refine_jobs(recording: Recording) -> list[TranscriptionJob]:
    return list(recording.jobs.filter(kind=TranscriptionJob.Kind.REFINE))


def texts(recording: Recording) -> list[str]:
    return list(Segment.objects.filter(recording=recording).values_list("text", flat=True))


def page(client: Client, recording: Recording, suffix: str = "") -> str:
    response = client.get(f"/recordings/{recording.pk}/{suffix}")
    assert response.status_code == 200
    return response.content.decode()


# --- When a refine job is queued -------------------------------------------------------


@pytest.mark.parametrize("audio_first", [False, True])
def test_whichever_of_finish_and_audio_comes_last_queues_one_refine_job(
    user: User, add_audio: Callable[[Recording], None], audio_first: bool
) -> None:
    recording = record_live(user)
    steps = [
        lambda: finish(recording),
        lambda: add_audio(recording),
    ]
    for step in reversed(steps) if audio_first else steps:
        assert refine_jobs(recording) == []
        step()
    refine.refine_if_due(recording_id=recording.pk)  # asked again: still one
    [job] = refine_jobs(recording)
    assert job.status == TranscriptionJob.Status.QUEUED
    assert DBTaskResult.objects.get().args_kwargs["args"] == [job.pk, str(job.token)]
    recording.refresh_from_db()
    assert (recording.status, texts(recording)) == ("completed", DRAFT)


@pytest.mark.parametrize(
    ("status", "with_audio", "refine_it", "setting", "queued"),
    [
        (Recording.Status.COMPLETED, True, True, True, 1),
        (Recording.Status.COMPLETED, True, False, True, 0),
        (Recording.Status.COMPLETED, True, True, False, 0),
        (Recording.Status.COMPLETED, False, True, True, 0),
        (Recording.Status.INTERRUPTED, True, True, True, 0),
        (Recording.Status.FAILED, True, True, True, 0),
    ],
)
def test_a_refine_job_is_queued_only_for_a_completed_recording_with_audio_and_the_switch_on(
    user: User,
    add_audio: Callable[[Recording], None],
    settings,
    status: str,
    with_audio: bool,
    refine_it: bool,
    setting: bool,
    queued: int,
) -> None:
    settings.REFINE_AFTER_RECORDING = setting
    recording = record_live(user, refine_it=refine_it)
    finish(recording, status)
    if with_audio:
        add_audio(recording)
    assert len(refine_jobs(recording)) == queued
    assert DBTaskResult.objects.count() == queued


@pytest.mark.parametrize("refine_it", [True, False])
def test_the_owners_pages_hear_once_that_the_audio_is_stored(
    user: User, add_audio: Callable[[Recording], None], settings, refine_it: bool
) -> None:
    settings.EVENTS_VIA_OUTBOX = True  # every event sent, kept in order
    recording = record_live(user, refine_it=refine_it)
    finish(recording)
    OutboxEvent.objects.all().delete()
    add_audio(recording)
    [event] = OutboxEvent.objects.values_list("payload", flat=True)
    assert (event["recording"], event["status"], event["audio_ready"]) == (
        recording.pk,
        "completed",
        True,
    )
    # When a refine job is queued, its event carries the news: the page shows both.
    assert event.get("refine", {}).get("status") == ("queued" if refine_it else None)


def test_a_second_part_is_stored_joined_to_the_first_and_its_refine_restarts(
    recorded: Callable[..., Recording],
    add_audio: Callable[[Recording], None],
    speech_ogg: bytes,
    tmp_path: Path,
    settings,
) -> None:
    settings.EVENTS_VIA_OUTBOX = True
    recording = recorded(Recording.Status.INTERRUPTED)
    first = recording.audio.name
    services.recording_resume(recording_id=recording.pk)
    finish(recording)  # the first part's audio is there: its refine is queued
    [job] = refine_jobs(recording)
    token = str(job.token)
    OutboxEvent.objects.all().delete()
    add_audio(recording)
    recording.refresh_from_db()
    assert recording.audio.name != first
    assert not default_storage.exists(first)
    one_part = tmp_path / "one.ogg"
    one_part.write_bytes(speech_ogg)
    joined = ogg_duration(Path(recording.audio.path))
    assert joined == pytest.approx(2 * ogg_duration(one_part), abs=0.05)
    [job] = refine_jobs(recording)
    assert (job.status, str(job.token) != token) == ("queued", True)
    [event] = OutboxEvent.objects.values_list("payload", flat=True)
    assert (event["audio_ready"], event["refine"]["status"]) == (True, "queued")


# --- The refined transcript ------------------------------------------------------------


def test_the_draft_is_replaced_by_refined_segments_with_speakers(
    recorded: Callable[..., Recording], deepgram: FakeDeepgram
) -> None:
    recording = recorded()
    run_worker()
    recording.refresh_from_db()
    segments = list(Segment.objects.filter(recording=recording))
    assert [(s.index, s.text, s.speaker) for s in segments] == [
        (0, SCRIPT[0], 0),
        (1, SCRIPT[1], 1),
    ]
    assert segments[0].words[0]["word"] == "Good"
    assert {w["confidence"] for s in segments for w in s.words} == {WORD_CONFIDENCE}
    assert [entry["text"] for entry in recording.draft] == DRAFT
    assert (recording.status, recording.error) == ("completed", "")
    job = refine_jobs(recording)[0]
    assert (job.status, job.attempts, job.progress) == ("succeeded", 1, 100)
    [request] = deepgram.requests
    assert request.query["diarize"] == ["true"]
    assert request.query["language"] == ["en"]
    assert request.headers["Content-Type"] == "audio/ogg"
    assert request.body_bytes == recording.audio.size


def test_edits_are_kept_where_the_words_still_match_and_dropped_where_not(
    recorded: Callable[..., Recording],
) -> None:
    recording = recorded()
    kept = "Good morning, everyone, and thanks for joining!"
    services.segment_edit(recording=recording, index=0, text=kept)
    # The draft heard "lumbers"; the owner's "slumbers" was a guess the refined words overrule.
    guess = "Let us review the quarterly slumbers."
    services.segment_edit(recording=recording, index=1, text=guess)
    run_worker()
    first, second = Segment.objects.filter(recording=recording)
    assert (first.text, first.edited, first.original_text) == (kept, True, SCRIPT[0])
    assert first.words[0]["start"] == pytest.approx(0.2)
    assert first.words[-1]["end"] == pytest.approx(1.8)
    assert all(word["speaker"] == 0 for word in first.words)
    assert (second.text, second.edited, second.speaker) == (SCRIPT[1], False, 1)
    recording.refresh_from_db()
    assert [(entry["text"], entry["edited"]) for entry in recording.draft] == [
        (kept, True),
        (guess, True),
    ]


def test_speaker_names_stay_and_the_page_shows_them(
    recorded: Callable[..., Recording], logged_in: Client
) -> None:
    recording = recorded(speaker=0)
    services.speaker_rename(recording=recording, speaker=0, name="Alice")
    run_worker()
    recording.refresh_from_db()
    assert recording.speaker_names == {"0": "Alice"}
    html = page(logged_in, recording)
    assert "Alice" in html
    assert "Speaker 2" in html


def test_search_finds_the_refined_text_and_no_longer_the_draft(
    recorded: Callable[..., Recording], user: User
) -> None:
    recording = recorded()

    def found(text: str) -> list[str]:
        result = search_segments(
            user=user, query=parse_query(text), filters=SearchFilters(), limit=5, offset=0
        )
        return [hit.text for hit in result.hits]

    assert found("lumbers") == [DRAFT[1]]
    run_worker()
    assert found("lumbers") == []
    assert found("quarterly numbers") == [SCRIPT[1]]
    assert texts(recording) == SCRIPT


def test_a_second_refine_keeps_the_original_draft(
    recorded: Callable[..., Recording], deepgram: FakeDeepgram
) -> None:
    recording = recorded()
    run_worker()
    deepgram.script = ["Good morning, everybody.", "Let us look at the numbers."]
    refine.refine_queue(recording=recording)
    run_worker()
    recording.refresh_from_db()
    assert texts(recording) == deepgram.script
    assert [entry["text"] for entry in recording.draft] == DRAFT


def test_a_recording_resumed_while_it_was_refined_keeps_its_live_transcript(
    recorded: Callable[..., Recording],
) -> None:
    recording = recorded()
    [job] = refine_jobs(recording)
    assert jobs.job_claim(job_id=job.pk, token=str(job.token)) is not None
    Recording.objects.filter(pk=recording.pk).update(status=Recording.Status.LIVE)
    transcript = FileTranscript(segments=(FinalSegment("Other words.", 0.2, 1.8),), duration=4.0)
    assert jobs.job_complete(job_id=job.pk, token=str(job.token), transcript=transcript)
    job.refresh_from_db()
    recording.refresh_from_db()
    assert (job.status, job.error) == ("failed", merge.RESUMED_MESSAGE)
    assert (recording.status, recording.draft, texts(recording)) == ("live", [], DRAFT)


def test_a_resumed_recording_that_ends_again_is_refined_again(
    recorded: Callable[..., Recording],
) -> None:
    recording = recorded(Recording.Status.INTERRUPTED)
    refine.refine_queue(recording=recording)
    jobs.job_cancel(recording=recording)
    services.recording_resume(recording_id=recording.pk)
    finish(recording)
    assert [job.status for job in refine_jobs(recording)] == ["queued", "cancelled"]


def test_a_refine_queued_before_the_joined_audio_is_stored_starts_over_on_it(
    recorded: Callable[..., Recording], deepgram: FakeDeepgram, speech_ogg: bytes, tmp_path: Path
) -> None:
    recording = recorded(Recording.Status.INTERRUPTED)
    services.recording_resume(recording_id=recording.pk)
    finish(recording)  # the session ends before its audio is joined to the first part's
    [job] = refine_jobs(recording)
    early = str(job.token)
    assert jobs.job_claim(job_id=job.pk, token=early)  # a worker starts on the first part
    joined = tmp_path / "joined.ogg"
    joined.write_bytes(speech_ogg * 2)  # chained Ogg: both parts
    attach(recording, store_file(joined, "ogg"))
    transcript = FileTranscript(segments=(FinalSegment("First part.", 0.2, 1.8),), duration=2.0)
    assert not jobs.job_complete(job_id=job.pk, token=early, transcript=transcript)
    [job] = refine_jobs(recording)
    assert job.status == "queued"
    run_worker()
    [request] = deepgram.requests  # the first attempt's task found itself superseded
    assert request.body_bytes == 2 * len(speech_ogg)
    assert texts(recording) == SCRIPT


# --- Retry, failure and cancel, as for uploads ------------------------------------------


def test_a_busy_deepgram_is_retried_while_the_draft_stays(
    recorded: Callable[..., Recording], deepgram: FakeDeepgram, logged_in: Client
) -> None:
    recording = recorded()
    deepgram.reject_next = [429]
    deepgram.retry_after = 30
    run_worker()  # the retry is not due yet, so the batch ends
    [job] = refine_jobs(recording)
    recording.refresh_from_db()
    assert (recording.status, recording.error, texts(recording)) == ("completed", "", DRAFT)
    assert (job.status, job.attempts) == ("queued", 1)
    assert "Trying again at" in job.error
    html = page(logged_in, recording)
    assert "Waiting to refine…" in html
    assert "attempt 2 of 5" in html
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts, texts(recording)) == ("succeeded", 2, SCRIPT)


def test_a_refused_refine_keeps_the_draft_and_says_why(
    recorded: Callable[..., Recording], deepgram: FakeDeepgram, logged_in: Client
) -> None:
    recording = recorded()
    deepgram.reject_next = [400]
    run_worker()
    recording.refresh_from_db()
    assert (recording.status, recording.draft, texts(recording)) == ("completed", [], DRAFT)
    html = page(logged_in, recording)
    assert "Refining failed." in html
    assert "Deepgram could not process this file." in html
    assert "The live transcript below is kept as it was." in html
    assert "Re-transcribe from the audio" in html
    assert len(deepgram.requests) == 1


def test_a_queued_refine_can_be_cancelled_and_never_runs(
    recorded: Callable[..., Recording], deepgram: FakeDeepgram, logged_in: Client
) -> None:
    recording = recorded()
    assert logged_in.post(f"/recordings/{recording.pk}/cancel/").status_code == 302
    run_worker()
    recording.refresh_from_db()
    assert refine_jobs(recording)[0].status == "cancelled"
    assert (recording.status, texts(recording)) == ("completed", DRAFT)
    assert deepgram.requests == []
    assert "Refining was cancelled." in page(logged_in, recording)


def test_a_refine_cancelled_while_running_changes_nothing(
    recorded: Callable[..., Recording], deepgram: FakeDeepgram, logged_in: Client
) -> None:
    recording = recorded()
    deepgram.rest_delay = 2.0
    [job] = refine_jobs(recording)
    running = threading.Thread(target=run_job_in_thread, args=(job.pk, str(job.token)))
    running.start()
    deepgram.wait_for(lambda fake: len(fake.requests) == 1)
    assert "Refining…" in page(logged_in, recording)
    logged_in.post(f"/recordings/{recording.pk}/cancel/")
    running.join(timeout=30)
    recording.refresh_from_db()
    assert (recording.status, recording.draft, texts(recording)) == ("completed", [], DRAFT)
    assert refine_jobs(recording)[0].status == "cancelled"


# --- Interrupted recordings: one click ---------------------------------------------------


def test_an_interrupted_recording_is_transcribed_again_in_one_click(
    recorded: Callable[..., Recording], logged_in: Client
) -> None:
    recording = recorded(Recording.Status.INTERRUPTED)
    assert refine_jobs(recording) == []
    assert "Re-transcribe from the audio" in page(logged_in, recording)
    response = logged_in.post(f"/recordings/{recording.pk}/refine/", follow=True)
    html = response.content.decode()
    assert "Waiting to refine…" in html
    assert "Re-transcribe from the audio" not in html
    run_worker()
    recording.refresh_from_db()
    assert (recording.status, texts(recording)) == ("completed", SCRIPT)
    html = page(logged_in, recording)
    assert "This recording was interrupted" not in html
    assert "Refined from the recording; the live draft is kept." in html


def test_a_recording_without_audio_or_already_refining_is_not_queued_again(
    user: User, recorded: Callable[..., Recording], logged_in: Client
) -> None:
    bare = record_live(user)
    finish(bare, Recording.Status.INTERRUPTED)
    busy = recorded()
    for recording in (bare, busy):
        assert "Re-transcribe from the audio" not in page(logged_in, recording)
        response = logged_in.post(f"/recordings/{recording.pk}/refine/", follow=True)
        assert response.status_code == 200
        assert len(refine_jobs(recording)) == (1 if recording is busy else 0)
    assert "already being transcribed" in response.content.decode()


# --- The page, the draft, and who may see them ----------------------------------------


def test_the_page_says_refining_then_shows_the_refined_transcript_and_a_draft_link(
    recorded: Callable[..., Recording], logged_in: Client
) -> None:
    recording = recorded()
    html = page(logged_in, recording)
    assert 'data-refine-state="queued"' in html
    assert "Waiting to refine…" in html
    [job] = refine_jobs(recording)
    jobs.job_claim(job_id=job.pk, token=str(job.token))
    assert "Refining…" in page(logged_in, recording)
    jobs.job_fail(job_id=job.pk, token=str(job.token), message="Stopped for the test.")
    logged_in.post(f"/recordings/{recording.pk}/refine/")
    run_worker()
    html = page(logged_in, recording)
    assert "Refined from the recording; the live draft is kept." in html
    assert f'href="/recordings/{recording.pk}/draft/"' in html
    assert ">numbers.</span>" in html
    assert "lumbers" not in html
    assert "data-refine-state" not in html


def test_the_status_endpoint_carries_the_refine_state_for_pages_catching_up(
    recorded: Callable[..., Recording], logged_in: Client
) -> None:
    recording = recorded()
    body = logged_in.get("/recordings/status/", {"id": recording.pk}).json()
    [state] = body["recordings"]
    assert (state["status"], state["refine"]["status"]) == ("completed", "queued")


def test_the_draft_page_shows_the_live_draft_in_a_fixed_number_of_queries(
    recorded: Callable[..., Recording], logged_in: Client, django_assert_num_queries
) -> None:
    recording = recorded()
    run_worker()
    # session, user, recording, the nav's review notices and review link
    with django_assert_num_queries(5):
        html = page(logged_in, recording, "draft/")
    assert all(text in html for text in DRAFT)
    assert SCRIPT[1] not in html


def test_a_recording_never_refined_has_no_draft_page(
    recorded: Callable[..., Recording], logged_in: Client
) -> None:
    recording = recorded()
    assert logged_in.get(f"/recordings/{recording.pk}/draft/").status_code == 404


def test_someone_else_gets_404_for_the_draft_and_the_button(
    recorded: Callable[..., Recording], other_user: User
) -> None:
    recording = recorded(Recording.Status.INTERRUPTED)
    refine.refine_queue(recording=recording)
    run_worker()
    stranger = Client()
    stranger.force_login(other_user)
    assert stranger.get(f"/recordings/{recording.pk}/draft/").status_code == 404
    assert stranger.post(f"/recordings/{recording.pk}/refine/").status_code == 404
    assert len(refine_jobs(recording)) == 1
    staff = Client()
    staff.force_login(make_user("root", is_staff=True))
    assert staff.get(f"/recordings/{recording.pk}/draft/").status_code == 200


def test_staff_see_and_filter_jobs_by_kind_in_the_admin(
    recorded: Callable[..., Recording], user: User
) -> None:
    recorded(title="Live standup")
    upload = Recording.objects.create(
        owner=user, title="Uploaded memo", source=Recording.Source.UPLOAD, language="en"
    )
    TranscriptionJob.objects.create(recording=upload)
    staff = Client()
    staff.force_login(make_user("root", is_staff=True, is_superuser=True))
    listing = staff.get("/admin/transcripts/transcriptionjob/").content.decode()
    assert "Refine a live recording" in listing
    assert "Transcribe an upload" in listing
    refines = staff.get("/admin/transcripts/transcriptionjob/?kind__exact=refine").content.decode()
    assert "Live standup" in refines
    assert "Uploaded memo" not in refines


# --- Events -----------------------------------------------------------------------------


async def refine_states(page: EventsSocket, until: str) -> list[str]:
    """The refine job's states as a page hears them, until `until`."""
    seen: list[str] = []
    while not seen or seen[-1] != until:
        event = json.loads(await page.communicator.receive_from(timeout=30))
        if "refine" not in event:  # the recording's own news: its audio is stored
            assert event["audio_ready"] is True, event
            continue
        state = event["refine"]["status"]
        if not seen or seen[-1] != state:
            seen.append(state)
    return seen


async def test_refine_events_reach_the_owners_pages_and_nobody_elses(
    recorded: Callable[..., Recording], user: User, other_user: User
) -> None:
    cookies = [await sync_to_async(session_cookie)(someone) for someone in (user, other_user)]
    async with EventsSocket(cookies[0]) as alice, EventsSocket(cookies[1]) as bob:
        recording = await sync_to_async(recorded)()
        [job] = await sync_to_async(refine_jobs)(recording)
        run = sync_to_async(run_job_in_thread, thread_sensitive=False)
        await run(job.pk, str(job.token))
        assert await refine_states(alice, "succeeded") == ["queued", "running", "succeeded"]
        assert await bob.communicator.receive_nothing(timeout=0.5)
