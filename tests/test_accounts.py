"""Sign-up, log-in, log-out, and the demo account."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "a sturdy passphrase 42"


def signup(client: Client, username: str = "carol", **fields: str) -> object:
    data = {"username": username, "email": "", "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/accounts/signup/", data | fields)


def test_signup_creates_a_user_and_logs_them_in(client: Client) -> None:
    response = signup(client)
    assert response.status_code == 302
    assert response.url == "/record/"
    user = User.objects.get(username="carol")
    assert not user.is_staff
    assert client.get("/recordings/").status_code == 200


def test_signup_shows_mistakes_and_creates_nothing(client: Client) -> None:
    response = signup(client, password2="something else")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "The two password fields didn" in response.content.decode()  # type: ignore[attr-defined]
    assert not User.objects.filter(username="carol").exists()


def test_signup_refuses_a_taken_username(client: Client) -> None:
    make_user("carol")
    response = signup(client)
    assert "already exists" in response.content.decode()  # type: ignore[attr-defined]


def test_signup_can_be_switched_off(client: Client, settings) -> None:
    settings.SIGNUP_ENABLED = False
    assert client.get("/accounts/signup/").status_code == 403
    assert signup(client).status_code == 403  # type: ignore[attr-defined]
    assert not User.objects.filter(username="carol").exists()
    assert "Create an account" not in client.get("/accounts/login/").content.decode()


def test_signup_form_is_protected_against_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    assert signup(client).status_code == 403  # type: ignore[attr-defined]


def test_login_and_logout(client: Client) -> None:
    make_user("dave")
    response = client.post(
        "/accounts/login/", {"username": "dave", "password": "correct horse battery staple"}
    )
    assert response.url == "/record/"  # type: ignore[attr-defined]
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/recordings/").status_code == 302


def test_wrong_password_is_refused_in_words(client: Client) -> None:
    make_user("erin")
    response = client.post("/accounts/login/", {"username": "erin", "password": "nope"})
    assert "Please enter a correct username and password" in response.content.decode()


def test_logout_needs_a_post(logged_in: Client) -> None:
    assert logged_in.get("/accounts/logout/").status_code == 405


def test_demo_account_is_created_and_keeps_its_password(capsys, tmp_path, settings) -> None:
    settings.VAR_DIR = tmp_path
    call_command("ensure_demo_user")
    first = capsys.readouterr().out
    call_command("ensure_demo_user")
    assert capsys.readouterr().out == first
    password = first.split("password ")[1].strip().strip("'")
    client = Client()
    response = client.post("/accounts/login/", {"username": "demo", "password": password})
    assert response.status_code == 302
    assert client.get("/recordings/").status_code == 200
