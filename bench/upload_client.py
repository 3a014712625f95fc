"""The upload benchmark's sending side: a WAV file made as it is sent, in the page's pieces."""

from __future__ import annotations

import hashlib
import random
import secrets
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

MIB = 1024 * 1024
HTTP_TIMEOUT = 300.0
WARM_UP_BYTES = 256 * 1024
SAMPLE_RATE = 16000
HEADER_BYTES = 44
BLOCK = MIB  # the file is made (and streamed) in blocks of this size
POOL_SPAN = 65537  # a prime: block i starts at (i * STRIDE) % POOL_SPAN in the random pool
STRIDE = 4099
SEED = 20240501


class UploadFailed(RuntimeError):
    """The server refused or broke off the upload."""


# --- the file -----------------------------------------------------------------------------


def wav_header(data_bytes: int) -> bytes:
    """A 44-byte RIFF/WAVE header for `data_bytes` of 16 kHz mono PCM16."""
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + data_bytes, b"WAVE",
        b"fmt ", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16,
        b"data", data_bytes,
    )  # fmt: skip


class WavFile:
    """A WAV file made block by block as it is sent; hashes and counts what it made.

    Byte p (past the header) is pool[start(p // BLOCK) + p % BLOCK]: no two blocks are the
    same slice of the random pool, so a piece stored at the wrong offset changes the hash.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.made = 0
        self.seconds = 0.0  # spent making and hashing
        self._header = wav_header(size - HEADER_BYTES)
        self._pool = memoryview(random.Random(SEED).randbytes(BLOCK + POOL_SPAN))
        self._sha = hashlib.sha256()

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of everything made so far."""
        return self._sha.hexdigest()

    def _next(self, limit: int) -> bytes:
        """The file's next bytes: at most `limit`, never across a block boundary."""
        began = time.perf_counter()
        index, within = divmod(self.made, BLOCK)
        length = min(limit, BLOCK - within, self.size - self.made)
        start = (index * STRIDE) % POOL_SPAN + within
        data = bytes(self._pool[start : start + length])
        if self.made < HEADER_BYTES:
            head = self._header[self.made : self.made + length]
            data = head + data[len(head) :]
        self._sha.update(data)
        self.made += length
        self.seconds += time.perf_counter() - began
        return data

    def piece(self, length: int) -> Iterator[bytes]:
        """The next `length` bytes as blocks: one request body, streamed."""
        end = min(self.made + length, self.size)
        while self.made < end:
            yield self._next(end - self.made)


# --- the client ---------------------------------------------------------------------------


@dataclass
class Transfer:
    """One file sent: per-piece latencies, wall-clock start and end, the last answer."""

    chunk_bytes: int
    piece_seconds: list[float]
    started: float
    finished: float
    answer: dict[str, Any]


def expect(response: httpx.Response, status: int, what: str) -> dict[str, Any]:
    """The JSON answer, or UploadFailed if the status is not `status`."""
    if response.status_code != status:
        raise UploadFailed(f"{what}: HTTP {response.status_code}: {response.text[:500]}")
    return response.json()


class UploadClient:
    """httpx with a logged-in session, a CSRF cookie of our own and the page's Origin."""

    def __init__(self, origin: str, session_key: str) -> None:
        csrf = secrets.token_hex(16)  # 32 characters: a secret as Django keeps it in the cookie
        headers = {
            "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Origin": origin,
            "Referer": f"{origin}/upload/",
        }
        self.http = httpx.Client(base_url=origin, headers=headers, timeout=HTTP_TIMEOUT)

    def start(self, filename: str, size: int) -> dict[str, Any]:
        """Announce a file; the answer names the URL and the piece size."""
        payload = {
            "filename": filename, "size": size, "language": "en", "title": "", "diarize": False,
        }  # fmt: skip
        return expect(self.http.post("/upload/files/", json=payload), 201, "announcing the file")

    def put(self, url: str, offset: int, length: int, body: Iterator[bytes]) -> httpx.Response:
        """PUT one piece, streamed from `body` (a Content-Length, so not chunked encoding)."""
        headers = {
            "Upload-Offset": str(offset),
            "Content-Type": "application/octet-stream",
            "Content-Length": str(length),
        }
        return self.http.put(url, content=body, headers=headers)


def send_file(client: UploadClient, file: WavFile, filename: str) -> Transfer:
    """Announce `file` and send it in sequential pieces of the size the server asks for."""
    announced = client.start(filename, file.size)
    chunk, url = announced["chunk_bytes"], announced["url"]
    seconds: list[float] = []
    answer: dict[str, Any] = {}
    started = time.time()
    while file.made < file.size:
        offset, length = file.made, min(chunk, file.size - file.made)
        began = time.perf_counter()
        response = client.put(url, offset, length, file.piece(length))
        seconds.append(time.perf_counter() - began)
        last = offset + length == file.size
        answer = expect(response, 201 if last else 200, f"piece at offset {offset}")
        if not last and answer.get("received") != offset + length:
            raise UploadFailed(f"piece at offset {offset}: server answered {answer}")
    return Transfer(chunk, seconds, started, time.time(), answer)


def warm_up(client: UploadClient) -> None:
    """A status request and one small upload: lazy imports are loaded before the baseline.

    Not the upload page: with DEBUG off it needs collected static files, and it is not on the
    upload path. The status endpoint shows the session works (else it redirects to login).
    """
    status = client.http.get("/recordings/status/")
    if status.status_code != 200:
        raise UploadFailed(f"GET /recordings/status/ answered {status.status_code}: no session?")
    answer = send_file(client, WavFile(WARM_UP_BYTES), "warm-up.wav").answer
    if answer.get("status") != "queued":
        raise UploadFailed(f"the warm-up upload answered {answer}")
