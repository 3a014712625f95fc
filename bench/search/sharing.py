"""Teams, memberships, shares and tags: who, besides its owner, may read each recording.

Five teams. The timed user (QUERY_USER) belongs to two small ones, each with three other
people who are also in one of the three big teams; everyone else is in one big team, every
fourth person in two. 30 % of recordings are saved to one of the owner's teams (as the app
does: `Recording.team` and an editor share with that team), 5 % are shared with one other
person as a viewer (drawn independently: a recording can be both). So the timed user reads
their own 200 recordings, about 180 of their small teams' and about 10 shared with them
directly: some 39,000 segments. Some recordings carry one or two tags.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bench.search.constants import PERSON_SHARE, QUERY_USER, SEED, TAG_NAMES, TEAM_SHARE, USERS
from bench.search.data import PlannedRecording

TEAMS = 5
SMALL_TEAM_PEOPLE = {0: (5, 23, 41), 1: (8, 29, 44)}  # besides QUERY_USER
TEAM_NAMES = ("Platform", "Pricing", "Sales", "Engineering", "Customer success")


def _big_team(person: int) -> int:
    return 2 + person % 3


def team_plan(*, own_only: bool) -> dict[int, list[int]]:
    """Each person's teams (0..TEAMS-1); nobody has any in the own-only scenario."""
    if own_only:
        return {person: [] for person in range(USERS)}
    teams: dict[int, list[int]] = {QUERY_USER: [0, 1]}
    for team, people in SMALL_TEAM_PEOPLE.items():
        for person in people:
            teams[person] = [team, _big_team(person)]
    for person in range(USERS):
        if person not in teams:
            second = [2 + (person + 1) % 3] if person % 4 == 0 else []
            teams[person] = [_big_team(person), *second]
    return teams


@dataclass
class Sharing:
    """Who a planned recording is shared with, and its tags (indexes, not database ids)."""

    team: int | None = None
    person: int | None = None
    tags: tuple[str, ...] = ()


def plan_sharing(plans: list[PlannedRecording], teams: dict[int, list[int]]) -> list[Sharing]:
    """One Sharing per plan, seeded; team shares go to one of the owner's own teams."""
    rng = random.Random(SEED + 4)
    sharings = []
    for plan in plans:
        sharing = Sharing()
        if teams[plan.owner] and rng.random() < TEAM_SHARE:
            sharing.team = rng.choice(teams[plan.owner])
        if teams[plan.owner] and rng.random() < PERSON_SHARE:
            sharing.person = rng.choice([p for p in range(USERS) if p != plan.owner])
        draw = rng.random()
        count = 2 if draw < 0.1 else 1 if draw < 0.4 else 0
        sharing.tags = tuple(rng.sample(TAG_NAMES, count))
        sharings.append(sharing)
    return sharings


def visible_by_plan(
    plans: list[PlannedRecording], sharings: list[Sharing], teams: dict[int, list[int]]
) -> dict[str, set[int]]:
    """Plan positions the timed user reads: own, through a team, only through a direct share."""
    mine = set(teams[QUERY_USER])
    own = {n for n, plan in enumerate(plans) if plan.owner == QUERY_USER}
    team = {n for n, s in enumerate(sharings) if s.team in mine} - own
    direct = {n for n, s in enumerate(sharings) if s.person == QUERY_USER} - own - team
    return {"own": own, "team": team, "direct": direct}
