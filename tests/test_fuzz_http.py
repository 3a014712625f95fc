"""Every URL of the URLconf, fed hostile input as the owner, another user and nobody.

A URL added later is covered without touching this file. Each request must be answered
(no 5xx, within ANSWER_WITHIN_SECONDS), must never show another user's data, and, when it
is refused or comes from anyone but the owner, must leave the owner's data as it was.
"""

from __future__ import annotations

import json
import time
from http.cookies import SimpleCookie
from urllib.parse import quote

import pytest
from django.db import transaction
from django.http import HttpResponseBase, StreamingHttpResponse
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzzing import (
    ANSWER_WITHIN_SECONDS,
    BUDGET,
    SECRET,
    Route,
    World,
    form_data,
    http_routes,
    json_value,
    make_world,
    owners_data,
    path_for,
    range_header,
)

pytestmark = pytest.mark.django_db

ROUTES = http_routes()
ACTORS = ("owner", "stranger", "anonymous")
METHODS = ("GET", "POST", "PUT", "DELETE")
FOREIGN = "https://evil.example"
# method, path, body as (form | json | raw, value), headers
Request = tuple[str, str, tuple[str, object], dict[str, str]]


@pytest.fixture
def world(db: None) -> World:
    return make_world()


class Actors:
    """A logged-in client for the owner and for another user, and one for nobody, with and
    without CSRF checks; each request starts from the same cookies (a logout is undone)."""

    def __init__(self, world: World) -> None:
        self._clients: dict[tuple[str, bool], tuple[Client, str]] = {}
        for actor in ACTORS:
            for csrf in (False, True):
                client = Client(enforce_csrf_checks=csrf)
                user = {"owner": world.alice, "stranger": world.bob}.get(actor)
                if user is not None:
                    client.force_login(user)
                self._clients[actor, csrf] = (client, client.cookies.output(header="", sep=";"))

    def client(self, actor: str, *, csrf: bool) -> Client:
        client, cookies = self._clients[actor, csrf]
        client.cookies = SimpleCookie(cookies)
        return client


@pytest.fixture
def actors(world: World) -> Actors:
    return Actors(world)


def send(client: Client, request: Request) -> HttpResponseBase:
    method, path, (kind, body), headers = request
    if method == "GET":
        return client.get(path, body if kind == "form" else {}, headers=headers)
    if method == "POST" and kind == "form":
        return client.post(path, body, headers=headers)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    media = "application/octet-stream" if kind == "raw" else "application/json"
    call = {"POST": client.post, "PUT": client.put, "DELETE": client.delete}[method]
    return call(path, raw, content_type=media, headers=headers)


def content_of(response: HttpResponseBase) -> bytes:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content)  # type: ignore[arg-type]
    return response.content  # type: ignore[attr-defined]


def check(world: World, client: Client, actor: str, request: Request) -> None:
    """One request, answered as the house rules say; rolled back after."""
    with transaction.atomic():
        before = owners_data(world, uploads=actor != "owner")
        began = time.monotonic()
        response = send(client, request)
        content = content_of(response)
        elapsed = time.monotonic() - began
        where = f"{actor} {request!r:.300}"
        assert response.status_code < 500, where
        assert elapsed < ANSWER_WITHIN_SECONDS, where
        if actor != "owner":
            assert SECRET.encode() not in content, where
        if actor != "owner" or response.status_code >= 400:
            assert owners_data(world, uploads=actor != "owner") == before, where
        transaction.set_rollback(True)


@pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])
def test_every_url_answers_every_actor_without_a_5xx(
    world: World, actors: Actors, route: Route
) -> None:
    """A fixed sweep, so every URL is asked at least this, whatever the random draw."""
    filled = route.fill({name: world.values.get(name, ["1"])[0] for name, _ in route.groups})
    path = filled or "/" + route.regex.replace("\\Z", "").replace("$", "").strip("^")
    hostile = {"title": "\x00" * 3, "text": "x" * 6000, "name": "\u202e", "q": "\x00"}
    for actor in ACTORS:
        plain, guarded = actors.client(actor, csrf=False), actors.client(actor, csrf=True)
        check(world, plain, actor, ("GET", path, ("form", hostile), {"Range": "bytes=5-1"}))
        check(world, plain, actor, ("POST", path, ("form", hostile), {}))
        check(world, plain, actor, ("POST", path, ("json", [None]), {}))
        check(world, guarded, actor, ("POST", path, ("form", {"t": "t"}), {"Origin": FOREIGN}))


@BUDGET
@given(data=st.data())
def test_hostile_requests_to_any_url_are_answered_cleanly(
    world: World, actors: Actors, data: st.DataObject
) -> None:
    route = data.draw(st.sampled_from(ROUTES), label="route")
    actor = data.draw(st.sampled_from(ACTORS), label="actor")
    method = data.draw(st.sampled_from(METHODS), label="method")
    path = quote(path_for(route, world, data.draw), safe="/%:@-._~!$&'()*+,;=")
    body = data.draw(
        st.one_of(
            st.tuples(st.just("form"), form_data),
            st.tuples(st.just("json"), json_value),
            st.tuples(st.just("raw"), st.binary(max_size=200)),
        ),
        label="body",
    )
    headers = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "Range": range_header,
                "Origin": st.sampled_from([FOREIGN, "null", "http://localhost"]),
                "Upload-Offset": st.sampled_from(["0", "-1", "99999999999999999999", "x"]),
                "Accept": st.sampled_from(["application/json", "text/html", "*/*"]),
            },
        ),
        label="headers",
    )
    client = actors.client(actor, csrf=data.draw(st.booleans(), label="csrf"))
    check(world, client, actor, (method, path, body, headers))
