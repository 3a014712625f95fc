"""Figures and text: one run as JSON, as a readable table, and its verdict."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from bench.search.constants import DEEP_OFFSET, LABELS, PAGE_SIZE, QUERY_USER, RESULTS, TARGET_MS
from bench.search.timing import Timed, summary


def figures(
    kind: str, setup: dict[str, Any], timed: list[Timed], deep: list[Timed]
) -> dict[str, Any]:
    """The run's figures, JSON-ready (ms, seconds, bytes)."""
    classes = list(dict.fromkeys(t.query.kind for t in timed))
    by_class = {c: summary([t for t in timed if t.query.kind == c]) for c in classes}
    overall = summary(timed)
    wrong = [t for t in [*timed, *deep] if t.total != t.expected]
    return {
        "database": kind,
        "setup": setup,
        "query_user": f"search-{QUERY_USER:02d}",
        "classes": by_class,
        "overall": overall,
        "page_11": summary(deep) if deep else None,
        "target_p95_ms": TARGET_MS[kind],
        "target_met": overall["p95_ms"] < TARGET_MS[kind],
        "totals_checked": len(timed) + len(deep),
        "totals_wrong": [_raw(t) for t in wrong],
        "queries": [_raw(t) for t in [*timed, *deep]],
    }


def _raw(t: Timed) -> dict[str, Any]:
    """One timed query, JSON-ready."""
    q = t.query
    return {
        "kind": q.kind,
        "text": q.text,
        "offset": q.offset,
        "source": q.source,
        "date_from": q.date_from.isoformat() if q.date_from else None,
        "date_to": q.date_to.isoformat() if q.date_to else None,
        "ms": t.ms,
        "statement_ms": t.statement_ms,
        "total": t.total,
        "returned": t.returned,
        "expected_total": t.expected,
    }


def _size(value: int) -> str:
    """Bytes as MiB or GiB."""
    return f"{value / 1024**3:.2f} GiB" if value >= 1024**3 else f"{value / 1024**2:.0f} MiB"


def _row(label: str, s: dict[str, Any]) -> str:
    """One line of the table."""
    return (
        f"  {label:<12} {s['n']:>4} {s['p50_ms']:>7.1f} {s['p95_ms']:>7.1f} "
        f"{s['max_ms']:>7.1f} {s['mean_ms']:>7.1f} {s['count_ms_p50']:>8.1f} "
        f"{s['page_ms_p50']:>7.1f} {s['hits_p50']:>8.0f} {s['hits_max']:>7}"
    )


def format_run(run: dict[str, Any]) -> str:
    """A readable table of one database's run."""
    setup, sizes = run["setup"], run["setup"]["sizes"]
    load = setup["load_seconds"]
    stats = "VACUUM ANALYZE" if run["database"] == "postgres" else "ANALYZE + WAL checkpoint"
    index = "GIN index" if run["database"] == "postgres" else "FTS5 index"
    lines = [
        f"{run['server']}: {setup['segments']:,} segments in {setup['recordings']:,} recordings "
        f"of {setup['users']} users ({setup['words'] / 1e6:.1f} M words, "
        f"{setup['vocabulary_entries']:,} vocabulary entries)",
        f"  load       written + indexed in {load:.1f} s wall ({setup['segments'] / load:,.0f} "
        f"segments/s), of which {setup['generate_seconds']:.1f} s making rows in Python; "
        f"{stats} {setup['analyse_seconds']:.1f} s",
        f"  size       database {_size(sizes['database'])}; segments table "
        f"{_size(sizes['segments_table'])} + btree indexes {_size(sizes['segments_indexes'])}; "
        f"{index} {_size(sizes['search_index'])}",
        _scenario(run),
        f"  queries    by {run['query_user']} ({run['user_segments']:,} segments), "
        f"limit {PAGE_SIZE}, after a warm-up pass; count/page ms: each statement's p50 "
        "(count 0: the page statement counts too)",
        "  class           n  p50 ms  p95 ms  max ms mean ms count ms page ms hits p50 hits max",
        *[_row(name, s) for name, s in run["classes"].items()],
        _row("all", run["overall"]),
    ]
    if run["page_11"]:
        lines.append(_row(f"offset {DEEP_OFFSET}", run["page_11"]))
    wrong = run["totals_wrong"]
    lines.append(
        f"  totals     {run['totals_checked'] - len(wrong)}/{run['totals_checked']} agree "
        "with a brute-force scan of the segments the user may read"
        + "".join(
            f"\n    WRONG {w['text']!r}: {w['total']} (expected {w['expected_total']})"
            for w in wrong
        )
    )
    return "\n".join(lines + run.get("plans", []))


def _scenario(run: dict[str, Any]) -> str:
    """The teams and shares, and what the timed user reads through each."""
    setup, seen = run["setup"], run["visible"]
    if setup["scenario"] == "own-only":
        return f"  sharing    none (own-only): {seen['recordings']:,} recordings readable"
    return (
        f"  sharing    {setup['teams']} teams, {setup['memberships']} memberships; "
        f"{setup['team_shares']:,} recordings saved to a team, {setup['person_shares']:,} "
        f"shared with a person; {setup['tags']:,} tags\n"
        f"  readable   {seen['recordings']:,} recordings, {seen['segments']:,} segments: own "
        f"{seen['own_segments']:,} ({seen['own_recordings']}), through a team "
        f"{seen['team_segments']:,} ({seen['team_recordings']}), shared directly "
        f"{seen['direct_segments']:,} ({seen['direct_recordings']}); the plan "
        f"{'agrees' if seen['plan_agrees'] else 'DISAGREES'} with access.recordings_visible"
    )


def verdict(runs: list[dict[str, Any]]) -> tuple[bool, str]:
    """Whether every target was met, in one line."""
    parts = []
    for run in runs:
        p95, target = run["overall"]["p95_ms"], run["target_p95_ms"]
        state = "met" if run["target_met"] else "NOT MET"
        parts.append(f"{LABELS[run['database']]} p95 {p95:.1f} ms (target < {target:.0f}): {state}")
    met = all(run["target_met"] for run in runs)
    return met, f"Search targets {'MET' if met else 'NOT MET'}: " + "; ".join(parts)


def results_name(kind: str, *, own_only: bool) -> str:
    """The JSON file of one database's run, in bench/results/."""
    return f"search-{kind}{'-own-only' if own_only else ''}.json"


def write_results(run: dict[str, Any], runtime: float) -> Path:
    """The raw figures as JSON in bench/results/."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    own_only = run["setup"]["scenario"] == "own-only"
    path = RESULTS / results_name(run["database"], own_only=own_only)
    document = {
        "command": " ".join([Path(sys.executable).name, "-m", "bench.search", *sys.argv[1:]]),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "runtime_seconds": runtime,
        "verdict": verdict([run])[1],
        "run": run,
    }
    path.write_text(json.dumps(document, indent=1))
    return path
