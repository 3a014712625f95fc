"""Sending a file through the chunked upload API, as the upload page does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.http import HttpResponse
from django.test import Client

SPEECH_WAV = Path(__file__).parent / "fixtures" / "speech.wav"


@dataclass
class Answer:
    """An answer from the upload API (its JSON body, or {} for an HTML refusal)."""

    status: int
    body: dict[str, Any]


def answer(response: HttpResponse) -> Answer:
    is_json = response.get("Content-Type", "").startswith("application/json")
    return Answer(response.status_code, json.loads(response.content) if is_json else {})


def start(client: Client, *, filename: str, size: int, **fields: Any) -> Answer:
    """Announce a file."""
    payload = {"filename": filename, "size": size, "language": "en", **fields}
    response = client.post("/upload/files/", json.dumps(payload), content_type="application/json")
    return answer(response)


def send_piece(client: Client, url: str, offset: int, data: bytes) -> Answer:
    """PUT one piece at `offset`."""
    response = client.put(
        url, data, content_type="application/octet-stream", headers={"Upload-Offset": str(offset)}
    )
    return answer(response)


def upload(client: Client, data: bytes, *, filename: str = "memo.wav", **fields: Any) -> Answer:
    """Announce `data` and send it in the pieces the server asks for; the last answer."""
    started = start(client, filename=filename, size=len(data), **fields)
    if started.status != 201:
        return started
    piece = started.body["chunk_bytes"]
    answer = started
    for offset in range(0, len(data), piece):
        answer = send_piece(client, started.body["url"], offset, data[offset : offset + piece])
        if answer.status >= 400:
            return answer
    return answer
