"""The frames Parley sends to Deepgram are masked client frames a server reads as sent, and their
masks cost one system call per 1,024 frames rather than one each."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
import websockets.frames
from websockets.exceptions import ConnectionClosedOK
from websockets.frames import Frame, Opcode
from websockets.legacy.client import connect
from websockets.legacy.server import WebSocketServerProtocol, serve
from websockets.streams import StreamReader

from transcripts.engines.deepgram import frames as deepgram_frames
from transcripts.engines.deepgram.frames import DeepgramClientProtocol, MaskSource, client_frame


def parsed_as_a_server_reads_it(data: bytes) -> Frame:
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=True)
    try:
        next(parser)
    except StopIteration as done:
        frame: Frame = done.value
        return frame
    raise AssertionError("the frame was incomplete")


@pytest.mark.parametrize("length", [0, 1, 125, 126, 3200, 65535, 65536, 70000])
@pytest.mark.parametrize("opcode", [Opcode.BINARY, Opcode.TEXT, Opcode.CONT])
@pytest.mark.parametrize("fin", [True, False])
def test_a_masked_frame_reads_back_as_sent(length: int, opcode: Opcode, fin: bool) -> None:
    payload = b"a" * length if opcode is Opcode.TEXT else bytes(i % 251 for i in range(length))
    data = client_frame(opcode, payload, fin, b"\x9a\x01\xff\x37")
    assert data[1] & 0x80  # the mask bit
    frame = parsed_as_a_server_reads_it(data)
    assert (frame.opcode, frame.data, frame.fin) == (opcode, payload, fin)


@pytest.mark.parametrize("opcode", [Opcode.PING, Opcode.PONG, Opcode.CLOSE])
def test_a_control_frame_reads_back_as_sent(opcode: Opcode) -> None:
    payload = b"\x03\xe8bye" if opcode is Opcode.CLOSE else b"1234"
    frame = parsed_as_a_server_reads_it(client_frame(opcode, payload, True, b"\x00\xff\x10\x01"))
    assert (frame.opcode, frame.data, frame.fin) == (opcode, payload, True)


def test_masks_differ_and_come_a_block_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real_urandom: Callable[[int], bytes] = os.urandom

    def counted(size: int) -> bytes:
        calls.append(size)
        return real_urandom(size)

    monkeypatch.setattr(os, "urandom", counted)
    source = MaskSource()
    drawn = [source.next_mask() for _ in range(2048)]
    assert calls == [4096, 4096]
    assert all(len(mask) == 4 for mask in drawn)
    assert len(set(drawn)) > 2000  # random, not repeated


async def test_a_server_receives_every_frame_the_protocol_sends() -> None:
    received: list[bytes | str] = []

    async def keep(socket: WebSocketServerProtocol) -> None:
        async for message in socket:
            received.append(message)

    sent: list[bytes | str] = [b"", b"\x01" * 3200, b"\x02" * 70000, '{"type": "KeepAlive"}']
    async with serve(keep, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        url = f"ws://127.0.0.1:{port}/"
        async with connect(url, create_protocol=DeepgramClientProtocol) as client:
            for message in sent:
                await client.send(message)
            await client.close()
            with pytest.raises(ConnectionClosedOK):
                await client.recv()
    assert received == sent  # a server closes on an unmasked or badly masked frame (1002)


def test_frames_are_masked_as_websockets_masks_its_own() -> None:
    """With its C extension built (as the wheel is), websockets masks in C; the pure-Python
    fallback in `websockets.utils` is 40-70 times slower per frame (docs/benchmarks.md)."""
    assert deepgram_frames.apply_mask is websockets.frames.apply_mask
