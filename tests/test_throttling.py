"""Password guessing and mass sign-ups are slowed down; nobody else is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import F
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery staple"  # tests.factories' password


@pytest.fixture(autouse=True)
def small_limits(settings) -> None:
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 3
    settings.SIGNUP_LIMIT = 2
    cache.clear()  # sign-up counts from other tests


def log_in(password: str, username: str = "alice", address: str = "10.0.0.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    client.post("/accounts/login/", {"username": username, "password": password})
    return client


def attempt(password: str, username: str = "alice", address: str = "10.0.0.1") -> int:
    response = Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": username, "password": password}
    )
    return response.status_code


def fail(times: int, username: str = "alice", address: str = "10.0.0.1") -> list[int]:
    return [attempt("wrong", username, address) for _ in range(times)]


def test_after_the_limit_the_account_is_locked_and_the_page_says_until_when(
    user: User,
) -> None:
    assert fail(2) == [200, 200]  # the form again, with its usual error
    response = Client(REMOTE_ADDR="10.0.0.1").post(
        "/accounts/login/", {"username": "alice", "password": "wrong"}
    )
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed attempts to log in" in page
    assert "Try again after" in page
    assert "in about 15 minutes" in page
    assert response["Retry-After"] == "900"


def test_the_right_password_is_refused_while_locked(user: User) -> None:
    fail(3)
    assert attempt(RIGHT) == 429
    client = log_in(RIGHT)
    assert client.get("/recordings/").status_code == 302  # not logged in


@pytest.mark.parametrize(
    ("username", "address", "locked"),
    [
        ("alice", "10.0.0.9", True),  # the same account from elsewhere: per username
        ("bob", "10.0.0.1", True),  # another account from the same address: per address
        ("bob", "10.0.0.9", False),  # someone else entirely
    ],
)
def test_a_lockout_holds_per_username_and_per_address(
    user: User, other_user: User, username: str, address: str, locked: bool
) -> None:
    fail(3, "alice", "10.0.0.1")
    assert attempt(RIGHT, username, address) == (429 if locked else 302)


def test_the_lockout_ends_after_its_time(user: User) -> None:
    fail(3)
    assert attempt(RIGHT) == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))
    assert attempt(RIGHT) == 302


def test_staff_unlock_an_account_in_the_admin(user: User) -> None:
    fail(3)
    admin = Client()
    admin.force_login(make_user("root", is_staff=True, is_superuser=True))
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "alice" in listing.content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert attempt(RIGHT) == 302


def test_logging_in_to_an_account_of_ones_own_does_not_clear_an_addresses_failures(
    user: User, other_user: User
) -> None:
    fail(2, "alice")  # guessing at alice's password...
    assert attempt(RIGHT, "bob") == 302  # ...then logging in as oneself, from there
    assert attempt("wrong", "alice") == 429  # the count went on: the third failure locks


def test_the_proxy_header_counts_only_when_configured(user: User, settings) -> None:
    forged = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    for _ in range(3):
        Client(REMOTE_ADDR="10.0.0.1", **forged).post(
            "/accounts/login/", {"username": "nobody", "password": "x"}
        )
    # Unconfigured, the header is ignored: the connection's address is locked.
    assert attempt(RIGHT, "alice", "10.0.0.1") == 429
    AccessAttempt.objects.all().delete()
    settings.CLIENT_IP_HEADER, settings.TRUSTED_PROXY_COUNT = "X-Forwarded-For", 1
    for client_address in ("198.51.100.1", "198.51.100.1", "198.51.100.1"):
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {client_address}").post(
            "/accounts/login/", {"username": "nobody", "password": "x"}
        )
    # Behind the proxy, the client's address (right-most hop) is locked, not the proxy's.
    assert attempt(RIGHT, "alice", "10.0.0.1") == 302
    locked = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert (
        locked.post("/accounts/login/", {"username": "alice", "password": RIGHT}).status_code == 429
    )


def sign_up(name: str, address: str = "10.0.0.1") -> int:
    password = "a sturdy passphrase 42"
    data = {"username": name, "email": "", "password1": password, "password2": password}
    return Client(REMOTE_ADDR=address).post("/accounts/signup/", data).status_code


def test_a_sign_up_form_sent_back_with_mistakes_does_not_count(db: None) -> None:
    bad = {"username": "u0", "email": "", "password1": "x", "password2": "y"}
    for _ in range(3):
        assert Client(REMOTE_ADDR="10.0.0.1").post("/accounts/signup/", bad).status_code == 200
    assert [sign_up("u1"), sign_up("u2")] == [302, 302]


def test_a_garbled_proxy_header_counts_as_the_connections_address(user: User, settings) -> None:
    settings.CLIENT_IP_HEADER, settings.TRUSTED_PROXY_COUNT = "X-Forwarded-For", 1
    garbled = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address\x00")
    for _ in range(3):
        response = garbled.post("/accounts/login/", {"username": "nobody", "password": "x"})
        assert response.status_code in (200, 429)
    assert attempt(RIGHT, "alice", "10.0.0.1") == 429  # counted against the connection


def test_sign_ups_from_one_address_are_limited(db: None) -> None:
    assert [sign_up("u1"), sign_up("u2")] == [302, 302]
    client = Client(REMOTE_ADDR="10.0.0.1")
    password = "a sturdy passphrase 42"
    response = client.post(
        "/accounts/signup/",
        {"username": "u3", "email": "", "password1": password, "password2": password},
    )
    assert response.status_code == 429
    assert "Too many accounts were created from your network." in response.content.decode()
    assert not User.objects.filter(username="u3").exists()
    assert sign_up("u4", address="10.0.0.2") == 302  # another address is not affected
