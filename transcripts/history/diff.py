"""A word diff between two versions of a segment's text, as runs of words."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

Kind = Literal["equal", "insert", "delete"]


@dataclass(frozen=True)
class Run:
    """Words side by side that are kept, added or removed alike."""

    kind: Kind
    text: str


def word_diff(before: str, after: str) -> list[Run]:
    """The words of `before` and `after` as kept, deleted and inserted runs, in reading order.

    A replacement reads as the old words deleted, then the new ones inserted.
    """
    old, new = before.split(), after.split()
    matcher = SequenceMatcher(a=old, b=new, autojunk=False)
    runs: list[Run] = []
    for tag, old_from, old_to, new_from, new_to in matcher.get_opcodes():
        if tag == "equal":
            runs.append(Run("equal", " ".join(old[old_from:old_to])))
            continue
        if old_to > old_from:
            runs.append(Run("delete", " ".join(old[old_from:old_to])))
        if new_to > new_from:
            runs.append(Run("insert", " ".join(new[new_from:new_to])))
    return runs
