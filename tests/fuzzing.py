"""What the fuzz suites share: every route taken from the URLconf and the socket routing,
hostile values, and the owner's data to compare before and after a refused request."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from teams.models import Invitation, Membership, Team
from teams.services import invitation_create
from tests.factories import make_recording, make_segment, make_team, make_user
from transcripts.models import PendingUpload, Recording, RecordingShare, RecordingTag, Segment
from transcripts.sharing.services import share_start, share_with_team

# A fixed, seeded budget: the same examples on every run and both legs.
BUDGET = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ANSWER_WITHIN_SECONDS = 10.0
SECRET = "zq-secret-alice-7f3a"  # in everything of alice's that bob must never see

HOSTILE_TEXT = [
    "",
    "\x00",
    "a\x00b",
    "\x07\x08\x0b\x0c\x1b[31m\x7f",
    "\u202eexe.mp3",
    "\u2066\u2067\u2068\u2069\u200f",
    "x" * 10_000,
    "99999999999999999999999",
    "-1",
    "0",
    "1e309",
    "NaN",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "\N{PILE OF POO}" * 50,
]
hostile_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=40))
json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_text,
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=8,
)
RANGES = ["bytes=-0", "bytes=5-1", "bytes=99999999999999999999-", "bytes=0-0,1-1", "bits=0-1"]
range_header = st.one_of(st.sampled_from(RANGES), st.text(max_size=30))
FIELDS = ["q", "page", "id", "title", "text", "name", "username", "password", "email", "next",
          "date_from", "date_to", "source", "timestamps", "speakers", "from", "filename", "size",
          "action", "_selected_action"]  # fmt: skip
form_data = st.dictionaries(st.sampled_from(FIELDS), hostile_text, max_size=5)


@dataclass
class World:
    """Alice's things (the owner's), Bob's, and what a request may be aimed at."""

    alice: User
    bob: User
    recording: Recording
    bobs_recording: Recording
    upload: PendingUpload
    bobs_upload: PendingUpload
    share_token: str
    values: dict[str, list[str]] = field(default_factory=dict)


def make_world() -> World:
    alice, bob = make_user(f"alice-{SECRET}"), make_user("bob")
    recording = make_recording(alice, title=f"Board {SECRET}", speaker_names={"0": SECRET})
    make_segment(recording, 0, text=f"We agreed {SECRET}.", speaker=0)
    make_segment(recording, 1, text="Next steps.", speaker=1)
    bobs_recording = make_recording(bob, title="Bob's standup")
    make_segment(bobs_recording, 0, text="Bob speaking.")
    upload = PendingUpload.objects.create(
        owner=alice, original_filename=f"{SECRET}.wav", size=10, language="en"
    )
    bobs_upload = PendingUpload.objects.create(
        owner=bob, original_filename="b.wav", size=10, language="en"
    )
    token = share_start(recording=recording).share_token or ""
    world = World(alice, bob, recording, bobs_recording, upload, bobs_upload, token)
    team = make_team(f"Crew {SECRET}", admins=(alice,))
    carol = make_user("carol")
    Membership.objects.create(team=team, user=carol)
    invitation = invitation_create(team=team, by=alice)
    share = share_with_team(recording=recording, team_id=team.pk, role="viewer")
    RecordingTag.objects.create(recording=recording, name=f"tag-{SECRET}")
    ids = [str(recording.pk), str(bobs_recording.pk), "1", "999999999999999999"]
    world.values = {
        "recording_id": ids,
        "object_id": [*ids, "%00", "x"],
        "index": ["0", "1", "999999999"],
        "speaker": ["0", "1", "9999"],
        "kind": ["txt", "srt", "vtt", "json", "docx", "pdf", "%00", "x" * 300],
        "token": [
            str(upload.token),
            str(bobs_upload.token),
            token,
            invitation.token,
            "%00",
            "x" * 500,
        ],
        "team_id": [str(team.pk), "1", "999999999999999999"],
        "share_id": [str(share.pk), "1", "999999999999999999"],
        "invitation_id": [str(invitation.pk), "1", "999999999999999999"],
        "user_id": [str(alice.pk), str(carol.pk), str(bob.pk), "999999999999999999"],
    }
    return world


def owners_data(world: World, *, uploads: bool = True) -> list[Any]:
    """Everything of Alice's a request could change. Her own refused upload piece may discard
    her pending upload (a file shown not to be audio is forgotten), so `uploads` can leave
    them out."""
    mine = [world.recording.pk]  # what existed before; a request may add recordings of hers
    recordings = Recording.objects.filter(pk__in=mine).order_by("pk")
    segments = Segment.objects.filter(recording__in=mine).order_by("pk")
    uploads = PendingUpload.objects.filter(owner=world.alice).order_by("pk")
    teams = Team.objects.filter(memberships__user=world.alice).order_by("pk")
    return [
        list(teams.values_list("pk", "name", "glossary")),
        list(Membership.objects.filter(team__in=teams).values_list("pk", "user_id", "role")),
        list(Invitation.objects.filter(team__in=teams).values_list("pk", "used_at", "revoked_at")),
        list(RecordingShare.objects.filter(recording__in=mine).values_list("pk", "role")),
        list(RecordingTag.objects.filter(recording__in=mine).values_list("pk", "name")),
        list(recordings.values_list("viewers_may_export", "team_id", "readers")),
        list(recordings.values_list("pk", "title", "status", "speaker_names", "share_token")),
        list(segments.values_list("pk", "index", "text", "speaker", "edited")),
        list(uploads.values_list("pk", "received")) if uploads else [],
        User.objects.filter(pk=world.alice.pk).values_list("password", "is_active").first(),
    ]


# --- Every route ---------------------------------------------------------------------------

GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")
ANCHORS = re.compile(r"(\\Z|\$)$")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full regex, and its named groups' own regexes."""

    name: str
    regex: str
    groups: tuple[tuple[str, str], ...]

    def fill(self, values: dict[str, str]) -> str | None:
        """A concrete path with these group values; None if the pattern is not a template."""
        path = GROUP.sub(lambda m: values.get(m.group(1), ""), ANCHORS.sub("", self.regex))
        path = re.sub(r"\\([-./])", r"\1", path)  # escaped literals, as re.escape writes them
        return None if re.search(r"[\\^$|?*+()\[\]]", path) else "/" + path


def http_routes() -> list[Route]:
    """Every URL pattern of the URLconf, admin and accounts included."""
    routes = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for entry in resolver.url_patterns:
            regex = prefix + entry.pattern.regex.pattern.lstrip("^")
            if isinstance(entry, URLResolver):
                walk(entry, regex)
            elif isinstance(entry, URLPattern):
                groups = tuple((m.group(1), m.group(2)) for m in GROUP.finditer(regex))
                routes.append(Route(entry.name or regex, regex, groups))

    walk(get_resolver(), "")
    return routes


def socket_routes() -> list[Route]:
    """Every WebSocket route Parley serves (the refusing catch-all last)."""
    from transcripts.routing import websocket_urlpatterns

    routes = []
    for entry in websocket_urlpatterns:
        regex = entry.pattern.regex.pattern.lstrip("^")
        groups = tuple((m.group(1), m.group(2)) for m in GROUP.finditer(regex))
        routes.append(Route(regex or "anything else", regex, groups))
    return routes


def path_for(route: Route, world: World, draw: Any) -> str:
    """A path for `route`: its groups filled with real ids and tokens or hostile values."""
    values = {}
    for name, group_regex in route.groups:
        known = st.sampled_from(world.values.get(name, ["1"]))
        values[name] = draw(st.one_of(known, st.from_regex(f"{group_regex}", fullmatch=True)))
    filled = route.fill(values)
    if filled is not None:
        return filled
    return "/" + draw(st.from_regex(ANCHORS.sub("", route.regex), fullmatch=True))
