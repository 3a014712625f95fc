"""A test client for /ws/record/ over the real ASGI stack (origin check, session auth)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from channels.testing import WebsocketCommunicator

from config.asgi import application
from tests.audio import frames
from transcripts.live.registry import audio_stored

TIMEOUT = 10.0
# Messages that report progress while a recording goes on (kept in `received`).
PROGRESS = ("interim", "final", "reconnecting", "reconnected", "transcription_paused")
# A busy test machine may put a session behind the speaker for a moment: the server says so
# whenever it happens, so they are read past unless a test waits for one.
LAG_NOTICES = ("lagging", "caught_up")


@dataclass(frozen=True)
class Closed:
    """The server closed the socket with this code."""

    code: int


class RecordSocket:
    """Drives one /ws/record/ connection the way the browser does."""

    def __init__(self, *, cookie: str | None, origin: str = "http://localhost") -> None:
        headers = [(b"origin", origin.encode())]
        if cookie:
            headers.append((b"cookie", f"sessionid={cookie}".encode()))
        self.communicator = WebsocketCommunicator(application, "/ws/record/", headers=headers)
        self.received: list[dict[str, Any]] = []
        self.recording_id: int | None = None  # once started or resumed

    async def connect(self) -> bool:
        connected, _ = await self.communicator.connect(timeout=TIMEOUT)
        return connected

    async def send(self, message: dict[str, Any]) -> None:
        await self.communicator.send_to(text_data=json.dumps(message))

    async def send_text(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def send_bytes(self, data: bytes) -> None:
        await self.communicator.send_to(bytes_data=data)

    async def send_audio(self, pcm: bytes) -> None:
        for frame in frames(pcm):
            await self.send_bytes(frame)

    async def start(self, **fields: Any) -> int:
        """Send start; return the new recording's id."""
        await self.send({"type": "start", **fields})
        return (await self.expect("started"))["recording"]

    async def next(self, timeout: float = TIMEOUT) -> dict[str, Any] | Closed:
        """The next message from the server, or how it closed."""
        output = await self.communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return Closed(output.get("code", 1000))
        message = json.loads(output["text"])
        self.received.append(message)
        if message["type"] in ("started", "resumed"):
            self.recording_id = message["recording"]
        return message

    async def expect(
        self, kind: str, timeout: float = TIMEOUT, *, skip: tuple[str, ...] = ("interim",)
    ) -> dict[str, Any]:
        """Skip messages of the `skip` types until one of `kind`; fail on anything else."""
        while True:
            message = await self.next(timeout)
            if isinstance(message, Closed):
                raise AssertionError(f"closed with {message.code} while waiting for {kind}")
            if message["type"] == kind:
                return message
            if message["type"] not in skip and message["type"] not in LAG_NOTICES:
                raise AssertionError(f"expected {kind}, got {message}")

    async def finals(self, count: int) -> list[dict[str, Any]]:
        return [await self.expect("final") for _ in range(count)]

    async def expect_error_and_close(self, close_code: int) -> dict[str, Any]:
        """An error message, then the close with `close_code`."""
        error = await self.expect("error")
        closed = await self.next()
        assert closed == Closed(close_code), closed
        return error

    async def stop(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """Send stop; return the stopped message after checking the normal close.

        The last finals arrive between stop and stopped; they are in `received`. The audio is
        stored after `stopped`, in the background: this waits for it too, so that a test
        looks at the stored audio, and nothing of the session outlives the test.
        """
        await self.send({"type": "stop"})
        stopped = await self.expect("stopped", timeout, skip=PROGRESS)
        assert await self.next() == Closed(1000)
        await self.audio_stored()
        return stopped

    async def disconnect(self) -> None:
        """The browser goes away; waits for the server to finish with the socket, and the
        sessions with their audio."""
        await self.communicator.disconnect(timeout=TIMEOUT)
        await self.audio_stored()

    async def audio_stored(self) -> None:
        if self.recording_id is not None:
            await audio_stored(self.recording_id)


class WatchSocket:
    """Drives one /ws/watch/<token>/ connection the way the watch page does (with `token`
    "recording/<id>", one that follows a recording shared with the viewer)."""

    def __init__(
        self, token: str, *, cookie: str | None, query: str = "", origin: str = "http://localhost"
    ) -> None:
        headers = [(b"origin", origin.encode())]
        if cookie:
            headers.append((b"cookie", f"sessionid={cookie}".encode()))
        path = f"/ws/watch/{token}/" + (f"?{query}" if query else "")
        self.communicator = WebsocketCommunicator(application, path, headers=headers)

    async def connect(self) -> bool:
        connected, _ = await self.communicator.connect(timeout=TIMEOUT)
        return connected

    async def next(self) -> dict[str, Any] | Closed:
        output = await self.communicator.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            return Closed(output.get("code", 1000))
        return json.loads(output["text"])

    async def expect(self, kind: str) -> dict[str, Any]:
        """Skip interims until a message of `kind`; fail on anything else."""
        while True:
            message = await self.next()
            assert not isinstance(message, Closed), f"closed with {message.code}, not {kind}"
            if message["type"] == kind:
                return message
            assert message["type"] == "interim", f"expected {kind}, got {message}"

    async def finals_until_ended(self) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Finals (each once, as the page shows them) until `ended`, and the `ended`."""
        finals: dict[int, dict[str, Any]] = {}
        while True:
            message = await self.next()
            assert not isinstance(message, Closed), f"closed with {message.code} before ended"
            if message["type"] == "ended":
                return list(finals.values()), message
            if message["type"] == "final":
                finals.setdefault(message["segment"], message)

    async def disconnect(self) -> None:
        await self.communicator.disconnect(timeout=TIMEOUT)
