"""What the API sends and takes, as typed schemas (the OpenAPI document is made from them)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class ErrorBody(Schema):
    code: str
    message: str
    details: list[dict[str, object]] | dict[str, object] | None = None


class ErrorOut(Schema):
    """Every error, everywhere: `{"error": {"code", "message", "details"}}`."""

    error: ErrorBody


class TeamOut(Schema):
    id: int
    name: str


class ConsentOut(Schema):
    text: str = Field(description="The notice confirmed before recording.")
    version: str = Field(description="Changes whenever the notice's text does.")
    confirmed_by: str | None = Field(description="Who confirmed it (the owner's user name).")
    confirmed_at: datetime | None


class ReviewOut(Schema):
    state: str = Field(description="draft, submitted, in_review, approved or changes_requested.")
    reviewer: str | None = Field(
        description="The reviewer's user name: named, holding it or deciding; none for a team's."
    )
    changed_at: datetime | None


class RecordingOut(Schema):
    id: int
    title: str
    status: str
    source: str
    language: str
    started_at: datetime
    ended_at: datetime | None
    duration: float = Field(description="Seconds of audio.")
    owner: str = Field(description="The owner's user name.")
    team: TeamOut | None
    tags: list[str]
    segment_count: int
    open_actions: int = Field(description="Action items marked in it and not yet done.")
    error: str
    consent: ConsentOut | None = Field(
        description="The consent notice confirmed before recording, when one was required."
    )
    review: ReviewOut
    url: str = Field(description="The recording's page.")
    exports: dict[str, str] = Field(description="Export URLs of the API, by format.")
    audio: str | None = Field(description="The stored audio's API URL, if audio was kept.")


class RecordingPage(Schema):
    items: list[RecordingOut]
    page: int
    per_page: int
    total: int
    next_page: int | None


class RecordingPatch(Schema):
    title: str = Field(max_length=1000)


class WordOut(Schema):
    word: str
    start: float
    end: float
    confidence: float | None = None
    speaker: int | None = None


class SegmentOut(Schema):
    index: int
    start: float
    end: float
    speaker: int | None
    speaker_name: str | None
    channel: int | None = None  # 0 the person recording, 1 the others; None in mono
    label: str = ""  # who said it (transcripts/segments.py speaker_label)
    text: str
    confidence: float | None
    edited: bool
    words: list[WordOut]


class SegmentPatch(Schema):
    text: str = Field(max_length=20000)


class HitOut(Schema):
    recording: int
    recording_title: str
    segment_index: int | None = None
    start: float
    text: str
    snippet_html: str = Field(description="The text with matches in <mark>, HTML-escaped.")


class SearchPage(Schema):
    items: list[HitOut]
    page: int
    per_page: int
    total: int
    next_page: int | None


class JobOut(Schema):
    recording: int
    status: str = Field(description="The recording's status.")
    job: str | None = Field(description="The transcription job's status, if there is one.")
    progress: int = Field(description="Percent.")
    error: str


class UploadAnnounce(Schema):
    filename: str = Field(max_length=1000)
    size: int = Field(ge=0)
    title: str = Field("", max_length=1000)
    language: str | None = Field(None, max_length=35)
    diarize: bool = False
    team: int | None = None


class UrlImport(Schema):
    url: str = Field(max_length=2000, description="An http(s) link to an audio or video file.")
    title: str = Field("", max_length=1000)
    language: str | None = Field(None, max_length=35)
    diarize: bool = False
    team: int | None = None


class UploadStarted(Schema):
    upload: str
    url: str
    chunk_bytes: int


class UploadProgress(Schema):
    received: int


class HistoryQuery(Schema):
    view: str = Field("all", description="all, mine, shared, or team-<id>")
    q: str = Field("", description="Words in the title.")
    owner: str = ""
    tag: str = ""
    date_from: date | None = None
    date_to: date | None = None
    source: str = Field("", description="live, upload, or empty for both.")
    sort: str = Field("date", description="date (newest first) or title.")
