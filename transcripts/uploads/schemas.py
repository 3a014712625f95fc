"""The JSON the upload page sends to announce a file, or a link to import one from."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from transcripts.controls import TeamId
from transcripts.models import MAX_URL_CHARS
from transcripts.params import MAX_BYTES
from transcripts.schemas import Language, Schema, Title


class UploadAnnouncement(Schema):
    """One file: what it is called, how big it is, how to transcribe it."""

    filename: Annotated[str, StringConstraints(max_length=1000)]
    size: Annotated[int, Field(ge=0, le=MAX_BYTES)]
    title: Title = ""
    language: Language | None = None
    diarize: bool = False
    team: TeamId = None


class UrlImportRequest(Schema):
    """A link to an audio or video file to fetch and transcribe, and how to transcribe it."""

    url: Annotated[str, StringConstraints(max_length=MAX_URL_CHARS)]
    title: Title = ""
    language: Language | None = None
    diarize: bool = False
    team: TeamId = None
