"""Timing: each search call and its statements, their summary, the query plans."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.search.constants import PAGE_SIZE
from bench.search.queries import BenchQuery, UserSegment, expected_total


class StatementTimer:
    """A Django execute wrapper: each statement's time, SQL and parameters."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.statements: list[tuple[str, Any]] = []

    def reset(self) -> None:
        """Forget the statements seen so far."""
        self.seconds, self.statements = [], []

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds.append(time.perf_counter() - began)
            self.statements.append((sql, params))


@dataclass
class Timed:
    """One timed search call."""

    query: BenchQuery
    ms: float
    statement_ms: list[float]
    statements: list[tuple[str, Any]]
    total: int
    returned: int
    expected: int


def time_queries(user: Any, queries: list[BenchQuery], segments: list[UserSegment]) -> list[Timed]:
    """A warm-up pass, then every query timed (its statements too), in order."""
    from django.db import connection

    from transcripts.search.selectors import parse_query, search_segments

    parsed = [(q, parse_query(q.text), q.filters()) for q in queries]
    for query, search, filters in parsed:
        search_segments(
            user=user, query=search, filters=filters, limit=PAGE_SIZE, offset=query.offset
        )
    timer, timed = StatementTimer(), []
    with connection.execute_wrapper(timer):
        for query, search, filters in parsed:
            timer.reset()
            began = time.perf_counter()
            result = search_segments(
                user=user, query=search, filters=filters, limit=PAGE_SIZE, offset=query.offset
            )
            ms = (time.perf_counter() - began) * 1000
            timed.append(
                Timed(
                    query,
                    ms,
                    [s * 1000 for s in timer.seconds],
                    timer.statements,
                    result.total,
                    len(result.hits),
                    expected_total(query, segments),
                )
            )
    return timed


def nearest_rank(ordered: list[float], p: float) -> float:
    """The p-th percentile of sorted values, nearest rank."""
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)]


def _statement_ms(timed: Timed, role: str) -> list[float]:
    """The call's count statement's time, or its page's (which also counts, on PostgreSQL)."""

    def plays(sql: str) -> bool:
        return " LIMIT " in sql if role == "page" else sql.startswith("SELECT count(*)")

    pairs = zip(timed.statements, timed.statement_ms, strict=True)
    return [ms for (sql, _), ms in pairs if plays(sql)]


def summary(timed: list[Timed]) -> dict[str, Any]:
    """n, p50, p95, max, mean (ms), the statements' medians and the totals' spread."""
    ordered = sorted(t.ms for t in timed)
    totals = sorted(t.total for t in timed)
    counts = [ms for t in timed for ms in _statement_ms(t, "count")] or [0.0]
    pages = [ms for t in timed for ms in _statement_ms(t, "page")] or [0.0]
    return {
        "n": len(timed),
        "p50_ms": nearest_rank(ordered, 50),
        "p95_ms": nearest_rank(ordered, 95),
        "max_ms": ordered[-1],
        "mean_ms": statistics.fmean(ordered),
        "count_ms_p50": statistics.median(counts),
        "page_ms_p50": statistics.median(pages),
        "hits_p50": statistics.median(totals),
        "hits_max": totals[-1],
    }


def explain(timed: Timed, kind: str) -> list[str]:
    """The plans of one query's statements: EXPLAIN ANALYZE, or SQLite's EXPLAIN QUERY PLAN."""
    from django.db import connection

    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if kind == "postgres" else "EXPLAIN QUERY PLAN "
    lines = [f"-- {timed.query.kind}: {timed.query.text!r} ({timed.ms:.1f} ms, {timed.total} hits)"]
    with connection.cursor() as cursor:
        for (sql, params), ms in zip(timed.statements, timed.statement_ms, strict=True):
            lines.append(f"   {sql[:110]}... ({ms:.1f} ms when timed)")
            cursor.execute(prefix + sql, params)
            rows = cursor.fetchall()
            if kind == "postgres":
                lines += [f"     {row[0]}" for row in rows]
            else:
                depth = {0: 0}
                for node, parent, _unused, detail in rows:
                    depth[node] = depth.get(parent, 0) + 1
                    lines.append(f"     {'  ' * depth[node]}{detail}")
    return lines
