"""Pages: record, history, transcript. Each parses input, calls a selector, renders."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.db import aclose_connections
from teams.selectors import preferences_of, teams_of
from transcripts import access, engines, exports, params, protocol, selectors, services
from transcripts.access import Access
from transcripts.answers import edit_answer, edit_refused, wants_json
from transcripts.auditing import Audit, Subject, audited, audited_playback
from transcripts.confidence import count_low, threshold_for
from transcripts.consent import consent_choices
from transcripts.errors import ApplicationError
from transcripts.forms import HistoryForm
from transcripts.jobs import refine
from transcripts.jobs.services import job_cancel, job_retry
from transcripts.live.archive import spools_of
from transcripts.marks.selectors import marks_context, marks_of
from transcripts.media import ACCEPTED_DESCRIPTION, FORMATS_BY_NAME
from transcripts.models import MAX_TITLE_CHARS, MAX_URL_CHARS, Recording, Segment
from transcripts.ranges import ranged_response
from transcripts.retention.selectors import retention_facts
from transcripts.segments import diarized_speaker_label
from transcripts.text import one_line
from transcripts.uploads.url_import import links_fetched_by_deepgram

RECORDINGS_PER_PAGE = 20
HISTORY_FILTERS = ("q", "owner", "tag", "date_from", "date_to", "source", "sort")


@require_GET
def record(request: HttpRequest) -> HttpResponse:
    """The recorder."""
    context = engine_context() | save_to_context(request, consent=True)
    context |= {"can_mark": True, "marks_data": []}
    return render(request, "transcripts/record.html", context)


@require_GET
def upload(request: HttpRequest) -> HttpResponse:
    """The uploader: files picked or dropped, sent in pieces, then transcribed."""
    context = (
        engine_context()
        | save_to_context(request)
        | {
            "max_bytes": settings.UPLOAD_MAX_BYTES,
            "accepted": ACCEPTED_DESCRIPTION,
            "max_url_chars": MAX_URL_CHARS,
            "link_via_deepgram": links_fetched_by_deepgram(),
        }
    )
    return render(request, "transcripts/upload.html", context)


def engine_context() -> dict[str, object]:
    """What the record and upload pages say about the engine, and the languages it takes."""
    configured = engines.live_engine_configured()
    engine = engines.describe_engine() if configured else None
    languages = engines.languages_offered(engine)
    default = settings.DEFAULT_LANGUAGE
    if all(code != default for code, _ in languages):
        default = languages[0][0]
    return {
        "engine_configured": configured,
        "engine": engine,
        "no_engine_message": engines.NO_DEEPGRAM_KEY_MESSAGE,
        "languages": languages,
        "default_language": default,
        "max_title_chars": MAX_TITLE_CHARS,
        "refine_default": settings.REFINE_AFTER_RECORDING,
    }


def save_to_context(request: HttpRequest, *, consent: bool = False) -> dict[str, object]:
    """The "Save to" choice of the record and upload pages: only me, or one of my teams;
    with `consent`, the notice each choice asks to confirm before recording."""
    chosen = preferences_of(user=request.user).save_to_id
    teams = list(teams_of(user=request.user))
    context: dict[str, object] = {"teams": teams, "save_to": chosen}
    if consent:
        context["consent_choices"] = consent_choices(teams=teams, chosen=chosen)
    return context


@require_GET
def recording_list(request: HttpRequest) -> HttpResponse:
    """The recordings the user may see: tabs (all, mine, shared with me, each team),
    filters (title, owner, tag, dates, kind), sorted by date or title, a page at a time."""
    teams = list(teams_of(user=request.user))
    form = HistoryForm(_cleaned_text(request), team_ids=[team.pk for team in teams])
    tabs = [("all", "All"), ("mine", "Mine"), ("shared", "Shared with me")]
    tabs += [(f"team-{team.pk}", team.name) for team in teams]
    context: dict[str, object] = {"form": form, "tabs": tabs, "filtered": _filtered(request)}
    try:
        number = params.page_number(request.GET.get("page"))
        if not form.is_valid():
            raise ValidationError(next(iter(form.errors.values()))[0])
    except ValidationError as exc:
        context["problem"] = exc.messages[0]
        return render(request, "transcripts/recording_list.html", context, status=400)
    recordings = selectors.recording_list_for_user(user=request.user, filters=form.filters())
    context |= {
        "page": Paginator(recordings, RECORDINGS_PER_PAGE).get_page(number),
        "view": form.cleaned_data["view"],
        "tab_query": _query_without(request, "view", "page"),
        "page_query": _query_without(request, "page"),
    }
    return render(request, "transcripts/recording_list.html", context)


def _cleaned_text(request: HttpRequest) -> QueryDict:
    """The query with its free-text fields cleaned (transcripts/text.py) and shortened:
    anything typed in a filter box filters, never fails."""
    data = request.GET.copy()
    for name in ("q", "owner", "tag"):
        value = request.GET.get(name)
        if value is not None:
            data[name] = one_line(value)[: MAX_TITLE_CHARS * 2]
    return data


def _filtered(request: HttpRequest) -> bool:
    """Whether any filter beyond the tab is set."""
    return any(request.GET.get(name) for name in HISTORY_FILTERS)


def _query_without(request: HttpRequest, *names: str) -> str:
    """This page's query string without `names`, ready to have more appended ("…&")."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    encoded = query.urlencode()
    return f"{encoded}&" if encoded else ""


@require_GET
def recording_detail(request: HttpRequest, recording_id: int) -> HttpResponse:
    """One recording's transcript, with what the user may do with it."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.VIEW)
    level = access.access_of(user=request.user, recording=recording)
    segments = list(selectors.segment_list(recording=recording))
    threshold = threshold_for(recording.engine)
    job = selectors.latest_job(recording=recording)
    context = {
        "recording": recording,
        "can_edit": level >= Access.EDIT,
        "is_owner": level >= Access.OWN,
        "can_export": access.may_export(access=level, recording=recording),
        "role": "editor" if level == Access.EDIT else "viewer",
        "tags": [tag.name for tag in recording.tags.all()],
        "low_confidence": threshold,
        "low_words": low_confidence_words(segments, threshold),
        "tag_suggestions": selectors.tags_suggested(user=request.user),
        "shares": selectors.recording_shares(recording=recording) if level >= Access.OWN else [],
        "owner_teams": list(teams_of(user=request.user)) if level >= Access.OWN else [],
        "segments": segments,
        "speakers": sorted({s.speaker for s in segments if s.speaker is not None}),
        "job": job,
        "refine": selectors.recording_refine_state(recording=recording, latest_job=job),
        "retention": retention_facts(recording=recording, user=request.user),
        "audio_pending": audio_being_stored(recording),
    } | marks_context(recording=recording, can_mark=False, can_tick=level >= Access.EDIT)
    audited(request, Audit.VIEWED, recording)
    return render(request, "transcripts/recording_detail.html", context)


def audio_being_stored(recording: Recording) -> bool:
    """Whether a live recording's audio is still on its way to storage (encoded after stop,
    or recovered after a restart): its spool is here, the stored file not yet."""
    return (
        not recording.audio
        and recording.source == Recording.Source.LIVE
        and bool(spools_of(recording.pk))
    )


def low_confidence_words(segments: list[Segment], threshold: float) -> int:
    """How many words the engine gave a confidence under `threshold`, not yet accepted."""
    return sum(count_low(segment.words, threshold) for segment in segments)


@require_GET
async def recording_audio(request: HttpRequest, recording_id: int) -> HttpResponseBase:
    """The recording's stored audio, seekable (range requests); owner and staff only."""
    user = await request.auser()
    recording = await sync_to_async(access.recording_for)(
        user=user, recording_id=recording_id, need=Access.VIEW, staff_reads=True
    )
    await audited_playback(request, user, recording)
    # The stream may last an hour; it must not hold a pooled connection all that time.
    await aclose_connections()
    if not recording.audio:
        raise Http404("This recording has no stored audio.")
    media_format = FORMATS_BY_NAME.get(recording.media_format)
    content_type = media_format.mime if media_format else "application/octet-stream"
    return await ranged_response(recording.audio, content_type, request.headers.get("Range"))


@require_POST
def recording_cancel(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Cancel a queued or running transcription (a form post, or fetch from the uploader)."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.OWN)
    try:
        job = job_cancel(recording=recording)
    except ApplicationError as exc:
        if wants_json(request):
            return JsonResponse({"error": str(exc)}, status=409)
        messages.error(request, str(exc))
        return redirect(recording)
    if wants_json(request):
        return JsonResponse(protocol.status_event(job.recording, job.progress))
    messages.success(request, "Transcription cancelled.")
    return redirect(recording)


@require_POST
def recording_retry(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Transcribe a failed or cancelled upload again."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.OWN)
    try:
        job_retry(recording=recording)
        messages.success(request, "Transcription queued again.")
    except ApplicationError as exc:
        messages.error(request, str(exc))
    return redirect(recording)


@require_POST
def recording_refine(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Transcribe a live recording again from its stored audio."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.OWN)
    try:
        refine.refine_queue(recording=recording)
        messages.success(request, "Transcribing again from the audio.")
    except ApplicationError as exc:
        messages.error(request, str(exc))
    return redirect(recording)


@require_GET
def recording_draft(request: HttpRequest, recording_id: int) -> HttpResponse:
    """The live draft a refined transcript replaced, read-only; owner and staff."""
    recording = access.recording_for(
        user=request.user, recording_id=recording_id, need=Access.VIEW, staff_reads=True
    )
    if not recording.draft:
        raise Http404("This recording has no kept draft.")
    return render(request, "transcripts/recording_draft.html", {"recording": recording})


@require_POST
def recording_rename(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Give the recording a new title."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.EDIT)
    try:
        services.recording_rename(recording=recording, title=request.POST.get("title", ""))
    except ValidationError as exc:
        return edit_refused(request, recording, exc.messages[0])
    audited(request, Audit.EDITED, recording, "title")
    return edit_answer(request, recording, {"title": recording.title}, "Renamed.")


@require_POST
def segment_update(request: HttpRequest, recording_id: int, index: int) -> HttpResponse:
    """Correct one segment's text."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.EDIT)
    try:
        segment = services.segment_edit(
            recording=recording, index=index, text=request.POST.get("text", ""), by=request.user
        )
    except Segment.DoesNotExist:
        raise Http404("No such segment.") from None
    except ValidationError as exc:
        return edit_refused(request, recording, exc.messages[0])
    except ApplicationError as exc:
        return edit_refused(request, recording, str(exc), status=409)
    audited(request, Audit.EDITED, recording, f"segment {segment.index}")
    body = {"index": segment.index, "text": segment.text, "words": segment.words}
    return edit_answer(request, recording, body, "Correction saved.")


@require_POST
def speaker_update(request: HttpRequest, recording_id: int, speaker: int) -> HttpResponse:
    """Name a speaker throughout the recording."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.EDIT)
    try:
        recording = services.speaker_rename(
            recording=recording, speaker=speaker, name=request.POST.get("name", "")
        )
    except ValidationError as exc:
        return edit_refused(request, recording, exc.messages[0])
    except ApplicationError as exc:
        return edit_refused(request, recording, str(exc), status=409)
    audited(
        request, Audit.EDITED, recording, f"speaker {speaker}: {recording.speaker_name(speaker)}"
    )
    body = {"speaker": speaker, "name": diarized_speaker_label(recording, speaker)}
    return edit_answer(request, recording, body, "Speaker renamed.")


@require_POST
def recording_tags(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Replace the recording's tags (comma-separated); owners and editors."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.EDIT)
    try:
        tags = services.recording_tags_set(recording=recording, raw=request.POST.get("tags", ""))
    except ValidationError as exc:
        return edit_refused(request, recording, exc.messages[0])
    audited(request, Audit.EDITED, recording, f"tags: {', '.join(tags) or 'none'}")
    return edit_answer(request, recording, {"tags": tags}, "Tags saved.")


@require_http_methods(["GET", "POST"])
def recording_delete(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Ask, then delete the recording with its transcript and audio."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.OWN)
    if request.method == "GET":
        return render(request, "transcripts/recording_delete.html", {"recording": recording})
    title, gone = recording.title, Subject.of(recording)
    services.recording_delete(recording=recording)
    audited(request, Audit.DELETED, gone)
    messages.success(request, f"“{title}” was deleted.")
    return redirect("transcripts:recording_list")


@require_GET
def recording_export(request: HttpRequest, recording_id: int, kind: str) -> HttpResponse:
    """The transcript as a file: txt, srt, vtt, json or docx."""
    if kind not in exports.FORMATS:
        raise Http404("No such format.")
    recording = access.recording_for_export(user=request.user, recording_id=recording_id)
    options = exports.ExportOptions(
        timestamps=request.GET.get("timestamps") != "0", speakers=request.GET.get("speakers") != "0"
    )
    segments = list(selectors.segment_list(recording=recording))
    marks = list(marks_of(recording=recording))
    file = exports.export(recording, segments, kind, options, marks)
    audited(request, Audit.EXPORTED, recording, kind)
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = content_disposition_header(True, file.filename)
    return response
