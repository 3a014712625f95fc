"""Search benchmark: the app's own full-text search over a million transcript segments.

What runs
    A fresh database (a throwaway PostgreSQL database, or a SQLite file in a temporary
    directory), migrated with `manage.py migrate`, so the real migrations create the index:
    a stored tsvector column with a GIN index on PostgreSQL, the FTS5 table and its triggers on
    SQLite. Then 50 users in 5 teams (each in one or two), 10,000 recordings (200 per user,
    `started_at` spread over two years, 30 % uploads), their shares and tags, and 1,000,000
    segments (100 per recording) are written, bypassing the ORM. 30 % of recordings are saved
    to one of the owner's teams (`Recording.team` and an editor share with the team, as the
    app does), 5 % shared with one other person (sharing.py); each recording's `readers` is
    set with `transcripts.readers.readers_tokens` before any of its segments is written, so
    the SQLite triggers copy it into the index. Segments go in with `executemany` in
    transactions of 50,000 on SQLite (the FTS5 triggers fire per row, as on the real write
    path), with `COPY` on PostgreSQL (the tsvector is computed and the GIN index kept up per
    row). Each segment has 8-25 words of meeting speech drawn from a
    ranked vocabulary of about 2,500 entries (function words, meeting and business words and
    their inflections, names, jargon, common multi-word phrases) with Zipf-like frequencies,
    capitalised sentences with some punctuation, and per-word timings in `words` as the live
    path stores them. Everything is seeded: every run writes the same data.
    After loading: `VACUUM ANALYZE` (PostgreSQL) or `ANALYZE` and a WAL checkpoint (SQLite).

What is measured
    - setup: time to make the rows in Python, wall time of the whole load (rows made and
      written, index kept up), the post-load statistics pass, and the sizes of the database,
      the segments table and the search index.
    - queries: 210 searches by one user (`search-17`, in two small teams: about 39,000
      readable segments: 20,000 of their own 200 recordings, some 18,000 of their teams',
      1,000 shared with them directly; the exact split is printed),
      each through `transcripts.search.search_segments` with `limit=20, offset=0` as the
      search page runs it: its SQL statements (the user's teams, the count and the ranked
      page, one statement or two) and the snippets. Each call is timed with
      `time.perf_counter` after one untimed warm-up pass over all queries; the count and the
      page are also timed on their own.
      Query classes: very common words ("the", "we"), common and rare content words, two-
      and three-word AND queries, "quoted phrases" cut from segments the user may read, exclusions
      (`word -other`, `word -"a phrase"`), misspelt words with no hits, and common words or
      word pairs with a date range and/or a source filter, a common word with `tag:`,
      `owner:` (someone whose recordings the user reads) or both. Ten common words are also
      run at `offset=200` (page 11), reported apart.
    - correctness: every query's total is checked against a brute-force scan, in Python, of
      every segment of every recording `transcripts.access.recordings_visible` lets the user
      read (the reference rule; read with plain queries, not the search index; same tokens:
      runs of letters and digits, lower-cased). The planned sharing is also checked against
      that rule.

Targets
    p95 over the 210 queries under 50 ms on PostgreSQL and under 100 ms on SQLite.

Usage
    .venv/bin/python -m bench.search [--postgres|--sqlite|--both] [--segments 1000000]
                                     [--own-only] [--pg-database NAME] [--keep] [--explain]

    `--both` (the default) runs PostgreSQL, then SQLite, each in its own process (Django is
    set up for one database per process). `--segments N` writes N/100 recordings of 100
    segments. `--own-only` is the scenario before teams: nothing shared, the user reads their
    own 20,000 segments. `--pg-database` names the PostgreSQL database to (re)create and drop
    (default `parley_bench_<pid>`). `--keep` leaves the database (and the temporary
    directory) in place and prints where. `--explain` prints the query plans of the slowest
    query of each class. Figures go to bench/results/search-<postgres|sqlite>[-own-only].json.
    Exit status: 0 when the target is met, 1 when it is missed, 2 when the run failed.

Modules, each importing only those above it: constants, vocabulary, data (the planned
recordings and their speech), sharing (teams, shares, tags), load (writing it), queries,
timing, figures (and text), run (one database), __main__ (running).
"""
