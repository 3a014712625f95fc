"""Shared fixtures: users, sessions, the fake Deepgram, static files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client

from tests.factories import make_user

if TYPE_CHECKING:
    from tests.fake_deepgram import FakeDeepgram


@pytest.fixture(scope="session", autouse=True)
def collected_static() -> None:
    """Pages use hashed static names, so the manifest must exist before any render."""
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def nobody_left_on_the_test_database(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """On PostgreSQL, end every other session on the test database before it is dropped.

    Async tests reach the database from asgiref's executor threads (the async ORM, async
    views under the test client); a connection such a thread opened outlives the test, and
    PostgreSQL refuses to drop a database that anyone is still connected to.
    """
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Real hashing costs ~0.3 s a password; tests create many."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def isolated_storage(settings, tmp_path: Path) -> None:
    """Every test stores files in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LIVE_AUDIO_DIR = tmp_path / "live-audio"
    settings.UPLOAD_TEMP_DIR = tmp_path / "partial"


@pytest.fixture
def user(db: None) -> User:
    return make_user("alice")


@pytest.fixture
def other_user(db: None) -> User:
    return make_user("bob")


@pytest.fixture
def logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def session_cookie(user: User) -> str:
    """A real session for `user`, as the browser's cookie value."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.fixture
def cookie(user: User) -> str:
    """`user`'s session cookie, for sockets."""
    return session_cookie(user)


@pytest.fixture
def other_cookie(other_user: User) -> str:
    """Another user's session cookie."""
    return session_cookie(other_user)


@pytest.fixture
def fake_deepgram() -> Iterator[FakeDeepgram]:
    from tests.fake_deepgram import FakeDeepgram

    with FakeDeepgram(api_key="test-key-4f9a") as fake:
        yield fake


@pytest.fixture
def deepgram(fake_deepgram: FakeDeepgram, settings) -> FakeDeepgram:
    """Parley configured to use the fake Deepgram."""
    settings.DEEPGRAM_API_KEY = fake_deepgram.api_key
    settings.DEEPGRAM_URL = fake_deepgram.url
    settings.LIVE_FINALIZE_TIMEOUT = 5.0
    return fake_deepgram


@pytest.fixture
def no_engine(settings) -> None:
    """Deepgram chosen but no key given: nothing can transcribe."""
    settings.TRANSCRIPTION_ENGINE = "deepgram"
    settings.DEEPGRAM_API_KEY = ""


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Remove the SQLite test database's WAL files, which Django's teardown leaves behind."""
    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        for suffix in ("-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
