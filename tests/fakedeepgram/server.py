"""`FakeDeepgram`: the aiohttp app on loopback, run in a daemon thread with its own loop."""

from __future__ import annotations

import asyncio
import inspect
import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from .callbacks import CallbackDelivery
from .common import Closable
from .live import handle_live
from .records import LiveConnection, RestRequest, StateHub
from .rest import handle_rest
from .transcript import DEFAULT_SCRIPT

# Benchmarks: how late the fake's own loop runs (a late loop reads audio late, too).
LATENESS_TICK = 0.010  # seconds between the timer's firings
LATENESS_NOTED = 0.005  # later than this, a firing is written down

logger = logging.getLogger(__name__)

Predicate = Callable[["FakeDeepgram"], bool]


class FakeDeepgram:
    """A protocol-faithful fake of Deepgram's `/v1/listen` (live WebSocket and REST).

    Knobs are plain attributes, settable from any thread; most are read when a connection or
    request arrives, `idle_timeout` continuously: api_key, reject_next, retry_after,
    idle_timeout, close_after_audio, script, script_others, silence_ms, max_final_seconds,
    rest_delay, rest_drop_next, keep_audio, stamp_finals, ignore_close_stream, handshake_gate,
    callback_deliveries. Observe via `connections`, `requests`, `callbacks`, `errors`,
    `wait_for()` and `await_for()`.
    """

    def __init__(
        self, api_key: str = "test-key", *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.api_key = api_key
        self.reject_next: list[int] = []
        self.retry_after = 1
        self.idle_timeout = 10.0
        self.close_after_audio: tuple[float, int, str] | None = None
        self.script: list[str] = list(DEFAULT_SCRIPT)
        # With `multichannel=true`: the script of channels after the first (None: `script`).
        self.script_others: list[str] | None = None
        self.silence_ms = 300
        self.max_final_seconds = 5.0
        self.rest_delay = 0.0
        self.rest_drop_next = 0
        # Long benchmark streams can turn this off so `LiveConnection.audio` stays empty.
        self.keep_audio = True
        # Benchmarks: every spoken final's text ends in " t=<time.time() at send>", so another
        # process on the same machine can measure how long the final took to reach it.
        self.stamp_finals = False
        # Fault injection: CloseStream is recorded but never answered (no Metadata, no close).
        self.ignore_close_stream = False
        # Faults for the next live connections, one each, in order: (seconds of audio, close
        # code, reason); close code DROP_CONNECTION cuts the TCP connection with no close frame.
        self.faults_next: list[tuple[float, int, str]] = []
        # Speech regions say "tone <Hz>" (see LiveOptions.name_by_pitch).
        self.name_by_pitch = False
        # While set to an unset Event, live handshakes are held (recorded, not yet answered).
        self.handshake_gate: threading.Event | None = None
        # How many times a request sent with `callback=` has its result posted back (0: never).
        self.callback_deliveries = 1
        self.callbacks: list[CallbackDelivery] = []
        self.callback_tasks: set[asyncio.Task[None]] = set()
        self.callback_bodies: dict[str, dict[str, Any]] = {}  # by request id
        self.connections: list[LiveConnection] = []
        self.requests: list[RestRequest] = []
        self.hub = StateHub()
        # Benchmarks: a file written afresh with every firing of a LATENESS_TICK timer on the
        # fake's loop later than LATENESS_NOTED, as "<unix time> <ms late>" lines.
        self.loop_lateness: Path | None = None
        self._lateness_task: asyncio.Task[None] | None = None
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._sessions: set[Closable] = set()

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, valid once started."""
        if self._port is None:
            raise RuntimeError("FakeDeepgram is not started")
        return f"http://{self._host}:{self._port}"

    @property
    def errors(self) -> list[str]:
        """Everything that went wrong inside the fake, across all connections and requests."""
        return self.hub.errors

    def start(self) -> FakeDeepgram:
        """Bind and serve in a daemon thread; returns once the socket is listening."""
        if self._thread is not None:
            raise RuntimeError("FakeDeepgram already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._requested_port))
        self._port = sock.getsockname()[1]
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run,
            args=(sock, ready, failure),
            name=f"fake-deepgram-{self._port}",
            daemon=True,
        )
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise RuntimeError("FakeDeepgram failed to start") from failure[0]
        return self

    def stop(self) -> None:
        """Close every live socket and the server, then join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        try:
            future.result(timeout=15)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=15)
            self._thread = None
            self._loop = None

    def __enter__(self) -> FakeDeepgram:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(
        self, sock: socket.socket, ready: threading.Event, failure: list[BaseException]
    ) -> None:
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(self._on_loop_exception)
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._startup(sock))
            self._loop = loop
        except BaseException as exc:  # handed to start(), which re-raises it
            failure.append(exc)
            sock.close()
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _startup(self, sock: socket.socket) -> None:
        app = web.Application()
        app.router.add_get("/v1/listen", self._live)
        app.router.add_post("/v1/listen", self._rest)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        if self.loop_lateness is not None:
            self._lateness_task = asyncio.create_task(note_lateness(self.loop_lateness))

    async def _live(self, request: web.Request) -> web.StreamResponse:
        return await handle_live(self, request)

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        return await handle_rest(self, request)

    async def _shutdown(self) -> None:
        if self._lateness_task is not None:
            self._lateness_task.cancel()
        sessions = list(self._sessions)
        await asyncio.gather(*(s.shutdown() for s in sessions), return_exceptions=True)
        for task in list(self.callback_tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    def _on_loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = f"event loop: {context.get('message')} {context.get('exception')!r}"
        logger.error("fake deepgram %s", message)
        with self.hub:
            self.hub.errors.append(message)

    # --- hooks used by the handlers ------------------------------------------------------

    def pop_reject(self) -> int | None:
        """Pop the next status from `reject_next` (thread-safe)."""
        with self.hub:
            return self.reject_next.pop(0) if self.reject_next else None

    def pop_fault(self) -> tuple[float, int, str] | None:
        """Pop the next live connection's fault from `faults_next` (thread-safe)."""
        with self.hub:
            return self.faults_next.pop(0) if self.faults_next else None

    def take_rest_drop(self) -> bool:
        """Consume one `rest_drop_next` credit."""
        with self.hub:
            if self.rest_drop_next > 0:
                self.rest_drop_next -= 1
                return True
            return False

    def track(self, session: Closable, add: bool) -> None:
        """Remember open live sessions so `stop()` can close them."""
        if add:
            self._sessions.add(session)
        else:
            self._sessions.discard(session)

    # --- waiting -------------------------------------------------------------------------

    def wait_for(self, predicate: Predicate, timeout: float = 10.0) -> None:
        """Block until `predicate(self)` holds, re-checking on every state change.

        A predicate raising LookupError (e.g. `f.connections[0]` before the first connection)
        counts as "not yet".
        """
        deadline = time.monotonic() + timeout
        with self.hub.cond:
            while not _holds(predicate, self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(predicate, timeout))
                self.hub.cond.wait(remaining)

    async def await_for(self, predicate: Predicate, timeout: float = 10.0) -> None:
        """`wait_for` without blocking the caller's event loop."""
        await asyncio.to_thread(self.wait_for, predicate, timeout)

    def _timeout_message(self, predicate: Predicate, timeout: float) -> str:
        try:
            source = inspect.getsource(predicate).strip()
        except (OSError, TypeError):
            source = repr(predicate)
        return f"condition not met within {timeout}s: {source}\nfake state:\n{self.describe()}"

    def describe(self) -> str:
        """A human-readable summary of everything the fake has seen (for failure messages)."""
        lines = []
        for i, c in enumerate(self.connections):
            kinds = [m.get("type") for _, m in c.sent]
            lines.append(
                f"  ws[{i}] status={c.status} audio={c.audio_bytes}B control={c.control} "
                f"sent={kinds} closed_by={c.closed_by} code={c.close_code} errors={c.errors}"
            )
        for i, r in enumerate(self.requests):
            lines.append(
                f"  rest[{i}] status={r.status} body={r.body_bytes}B chunked={r.chunked} "
                f"dropped={r.dropped} errors={r.errors}"
            )
        for i, d in enumerate(self.callbacks):
            lines.append(f"  callback[{i}] to={d.url} status={d.status} error={d.error!r}")
        lines.append(f"  errors={self.errors}")
        return "\n".join(lines)


def _holds(predicate: Predicate, fake: FakeDeepgram) -> bool:
    try:
        return bool(predicate(fake))
    except LookupError:
        return False


async def note_lateness(path: Path) -> None:
    """Write each firing of a LATENESS_TICK timer later than LATENESS_NOTED to `path`."""
    loop = asyncio.get_running_loop()
    with path.open("w", buffering=1) as notes:
        while True:
            due = loop.time() + LATENESS_TICK
            await asyncio.sleep(LATENESS_TICK)
            late = loop.time() - due
            if late > LATENESS_NOTED:
                notes.write(f"{time.time():.3f} {late * 1000:.1f}\n")
