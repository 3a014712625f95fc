"""A TCP relay on loopback to a real server, which a test can make go away mid-run."""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    """Relays connections to `host:port` until `refuse()`: then drops them and refuses more."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def refuse(self) -> None:
        """The server goes away: open connections are cut, new ones are refused."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server_in, server_out = await asyncio.open_connection(*self._target)
        self._writers |= {writer, server_out}
        await asyncio.gather(_pipe(reader, server_out), _pipe(server_in, writer))


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):  # the other side, or refuse(), cut it
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    sink.transport.abort()
