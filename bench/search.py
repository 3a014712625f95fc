"""Search benchmark: the app's own full-text search over a million transcript segments.

What runs
    A fresh database (a throwaway PostgreSQL database, or a SQLite file in a temporary
    directory), migrated with `manage.py migrate`, so the real migrations create the index:
    a stored tsvector column with a GIN index on PostgreSQL, the FTS5 table and its triggers on
    SQLite. Then 50 users, 10,000 recordings (200 per user, `started_at` spread over two
    years, 30 % uploads) and 1,000,000 segments (100 per recording) are written, bypassing the
    ORM: SQLite with `executemany` in transactions of 50,000 segments (the FTS5 triggers fire
    per row, as on the real write path), PostgreSQL with `COPY` (the tsvector is computed and
    the GIN index kept up per row). Each segment has 8-25 words of meeting speech drawn from a
    ranked vocabulary of about 2,500 entries (function words, meeting and business words and
    their inflections, names, jargon, common multi-word phrases) with Zipf-like frequencies,
    capitalised sentences with some punctuation, and per-word timings in `words` as the live
    path stores them. Everything is seeded: every run writes the same data.
    After loading: `VACUUM ANALYZE` (PostgreSQL) or `ANALYZE` and a WAL checkpoint (SQLite).

What is measured
    - setup: time to make the rows in Python, wall time of the whole load (rows made and
      written, index kept up), the post-load statistics pass, and the sizes of the database,
      the segments table and the search index.
    - queries: 200 searches by one user (`search-17`: 20,000 segments in 200 recordings),
      each through `transcripts.search.search_segments` with `limit=20, offset=0` as the
      search page runs it: both its SQL statements (the count and the ranked page) and the
      snippets. Each call is timed with `time.perf_counter` after one untimed warm-up pass
      over all queries; the two statements are also timed on their own. Query classes:
      very common words ("the", "we"), common and rare content words, two- and three-word
      AND queries, "quoted phrases" cut from the user's own generated segments, exclusions
      (`word -other`, `word -"a phrase"`), misspelt words with no hits, and common words or
      word pairs with a date range and/or a source filter. Ten common words are also run at
      `offset=200` (page 11), reported apart.
    - correctness: every query's total is checked against a brute-force scan of the user's
      segments in Python (same tokens: runs of letters and digits, lower-cased).

Targets
    p95 over the 200 queries under 50 ms on PostgreSQL and under 100 ms on SQLite.

Usage
    .venv/bin/python bench/search.py [--postgres|--sqlite|--both] [--segments 1000000]
                                     [--keep] [--explain]

    `--both` (the default) runs PostgreSQL, then SQLite, each in its own process (Django is
    set up for one database per process). `--segments N` writes N/100 recordings of 100
    segments. `--keep` leaves the database (and the temporary directory) in place and prints
    where. `--explain` prints the query plans of the slowest query of each class. Figures go
    to bench/results/search-<postgres|sqlite>.json. Exit status: 0 when the target is met,
    1 when it is missed, 2 when the run failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: make `bench` importable

from bench.database import BenchDatabase, close_django_connections, setup_django  # noqa: E402
from bench.live_load import base_env  # noqa: E402

SEED = 20261121
USERS = 50
SEGMENTS_PER_RECORDING = 100
QUERY_USER = 17  # the user whose searches are timed: search-17
SPAN_START = datetime(2024, 7, 1, tzinfo=UTC)
SPAN_DAYS = 730
UPLOAD_SHARE = 0.3
BATCH_RECORDINGS = 500  # recordings per load transaction: 50,000 segments
PAGE_SIZE = 20
DEEP_OFFSET = 200  # page 11
TARGET_MS = {"postgres": 50.0, "sqlite": 100.0}
LABELS = {"postgres": "PostgreSQL", "sqlite": "SQLite"}
RESULTS = ROOT / "bench" / "results"
WORD = re.compile(r"[^\W_]+")  # the index's tokens, as in transcripts/search.py

# --- vocabulary ---------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """A whitespace-separated word list."""
    return text.split()


# Spoken function words, most frequent first; they take the top ranks.
FUNCTION_WORDS = _words("""
the I and to a you that it we of is so in this yeah like just for it's on be have do think
know what they not but with are was if can going I'm at there about we're all one um uh okay
right don't that's get would as or need from our some will me an then want really because my
them up out your how more see also which when now time people here he she go other were been
those these thing things well kind sort lot could should make maybe yes no by there's let's
actually much did any into than where who why very even still next back over only same
through both each us her him his their its has had mean said say got sure good great two
three first last new little bit something anything everything someone probably already
always never again around before after while until though since might must does being own
few most such every many oh hmm mm-hmm can't didn't doesn't isn't won't they're you're I'll
we'll we've I've what's here's gonna wanna else way ever far far-off off down yet too
""")

REGULAR_VERBS = _words("""
ask add agree allow answer approve arrange assign assume attend book call cancel change check
clean close collect compare complete confirm connect consider contact continue copy cover
create decide deliver depend deploy describe design discuss document email enable ensure
estimate evaluate expect explain export extend fail finish fix focus follow forward handle
happen help hire hope import improve include increase invest invite involve join launch learn
list look manage mention merge miss move note notice offer open organise own pass plan post
prefer prepare present print prioritise process produce promise provide publish push reach
record reduce refactor release remember remove rename repeat replace report request require
resolve respond review revisit schedule share ship sign solve start stop submit suggest
summarise support test track train transfer try turn update upgrade use verify wait walk
watch work worry wrap chat commit drop map scan tag log plug skip swap admit measure analyse
align escalate onboard migrate benchmark validate negotiate forecast allocate archive
automate calculate clarify coordinate define delegate demo draft duplicate edit encourage
finalise flag gather highlight implement integrate interview outline pitch reject reply
restart retry return rollback scale simplify sort split store switch sync target translate
""")

# base, then its other forms
IRREGULAR_VERBS = """
bring brings brought bringing|buy buys bought buying|build builds built building
choose chooses chose chosen choosing|come comes came coming|feel feels felt feeling
find finds found finding|give gives gave given giving|hear hears heard hearing
hold holds held holding|keep keeps kept keeping|leave leaves left leaving
lead leads led leading|meet meets met meeting|pay pays paid paying|put puts putting
read reads reading|run runs ran running|send sends sent sending|set sets setting
sell sells sold selling|speak speaks spoke spoken speaking|spend spends spent spending
take takes took taken taking|tell tells told telling
understand understands understood understanding|write writes wrote written writing
win wins won winning|grow grows grew grown growing|begin begins began begun beginning
break breaks broke broken breaking|forget forgets forgot forgotten forgetting
lose loses lost losing|show shows showed shown showing|cut cuts cutting
draw draws drew drawn drawing|fall falls fell fallen falling|sit sits sat sitting
stand stands stood standing|catch catches caught catching|teach teaches taught teaching
""".replace("\n", "|").split("|")

NOUNS = _words("""
account action agenda agreement approach area asset audit backlog benchmark bonus brand branch
budget bug business calendar campaign candidate capacity category channel chart client code
colleague comment committee company competitor component concern conference contract
contractor cost customer dashboard database date deadline deal decision deck defect delay
deliverable demo department deployment detail developer device discount document draft driver
email employee engineer environment error estimate event expense experiment feature feedback
figure file forecast framework funnel gap goal guideline headcount idea impact incident
initiative insight integration interview invoice issue item job kickoff label laptop launch
lead license line link list login manager margin market meeting member message metric
migration milestone minute mockup model module month note number offer office option order
outage owner page partner patch payment phase pipeline plan platform point policy portal
position presentation price priority problem process product profit program project proposal
prototype purchase quarter query question quota rate reason recap recording refund region
release report request requirement resource response result retro revenue review risk roadmap
role rollout sale sample schedule scope screen script season section server service session
shift site slide solution source spec sprint stage stakeholder standup status step strategy
subscription summary supplier survey system target task team template tender term test ticket
timeline tool topic training trend trial update upgrade user vendor version video warehouse
week workflow workshop year hour day morning afternoon evening weekend holiday ledger receipt
spreadsheet whiteboard handbook inbox thread call desk floor building car flight hotel lunch
coffee break room chair window printer badge
""")

UNCOUNTED = _words("""
research traffic staff security finance performance progress coverage bandwidth analytics
legal marketing engineering support infrastructure compliance
""")

ADJECTIVES_ADVERBS = _words("""
able accurate active actual additional annual available aware basic better big blocked busy
careful clear common concrete critical current daily deep different difficult direct early
easy effective enough entire exact external fair fast final fine flexible formal free full
general happy hard heavy high huge important initial internal key large late likely live
local long low main major manual minor mobile monthly narrow necessary negative nice normal
obvious official online optional overall perfect personal positive possible potential
practical previous primary private public quick ready real realistic recent regular relevant
remote responsible rough safe separate serious short significant similar simple slow small
smooth solid specific stable standard strong successful sufficient technical tight total tough
typical unclear urgent useful valid weekly whole wide worse wrong absolutely basically
certainly clearly currently definitely directly easily especially exactly finally generally
hopefully honestly literally mainly mostly obviously originally particularly personally
possibly potentially quickly quite rather recently seriously simply slightly specifically
totally usually yesterday today tomorrow tonight soon later earlier ago anyway otherwise
instead together somewhere whatever however therefore meanwhile quarterly biweekly
""")

PEOPLE = _words("""
Alice Bob Carol David Emma Frank Grace Henry Isabel Jack Karen Liam Maria Nathan Olivia Peter
Quinn Rachel Sam Tara Umar Victor Wendy Xavier Yusuf Zoe Aisha Ben Chloe Daniel Elena Fatima
George Hannah Ivan Julia Kenji Laura Mohammed Nina Oscar Priya Raj Sofia Tom Uma Wei Yuki
Ahmed Beatriz Carlos Diana Erik Farah Gabriel Hiroshi Ingrid Jonas Leila Marco Nadia Pablo Ravi
Sara Thomas Valentina Anna Lucas Mia Noah Ethan Chen Kofi Amara Dmitri Lena Mateo Sven Ines
Omar Paula
""")

OTHER_NAMES = _words("""
Smith Garcia Johnson Müller Rossi Novak Kowalski Tanaka Kim Singh Patel Okafor Silva Dubois
Jensen Nguyen Cohen Murphy Schmidt Ivanova Andersson Costa Haddad Mendes Larsen Fischer Brown
Monday Tuesday Wednesday Thursday Friday January February March April May June July August
September October November December London Berlin Paris Madrid Tokyo Singapore Toronto
Chicago Austin Dublin Amsterdam Lisbon Sydney Mumbai Zurich Nairobi Lagos Seoul Acme Globex
Initech Umbrella Contoso Fabrikam Northwind Parley Salesforce Jira Slack Zoom Figma GitHub AWS
Azure Kubernetes Postgres Excel PowerPoint Confluence Notion HubSpot Stripe Shopify Zendesk Q1
Q2 Q3 Q4
""")

# Business words with plurals; rarer than the everyday ones.
DOMAIN = _words("""
acquirer addendum affiliate allowance appraisal auditor backorder balance bid broker buyer
cashier certificate claim clause commission commodity consultant consumer contingency
copyright counteroffer coupon credit creditor currency debit deductible deposit dividend
endorsement enterprise entity fee franchise fund grant guarantee hedge incentive indemnity
investor lease lender liability lien loan markup merger mortgage negotiation obligation
partnership patent pension portfolio premium proprietor prospect quotation rebate recession
recruiter rental reseller retailer royalty salary settlement shareholder shipment sponsor
startup subsidiary surplus tariff trademark transaction underwriter venture wage warranty
reviewer planner tester designer writer speaker leader seller organiser presenter approver
facilitator moderator attendee participant volunteer assistant analyst architect auditor
""")

# Verbs people redo: re- plus the regular verb's forms.
REDO_VERBS = _words("""
schedule open assign test deploy start submit check design order review visit think
plan launch train prioritise estimate evaluate negotiate""")

JARGON = _words("""
acquisition allocation amortisation API architecture attrition authentication automation
blocker bottleneck burndown cadence caching changelog churn configuration containerisation
conversion cohort deprecation diligence escalation EBITDA failover firmware fiscal GDPR
granularity hackathon handover heuristic idempotent interoperability KPI latency leverage
liquidity localisation logistics middleware monetisation OKR observability offboarding
orchestration outsourcing paradigm payroll procurement provisioning quorum reconciliation
redundancy regression reimbursement remediation retention runbook scalability sharding SLA
synergy telemetry throughput tokenisation triage underwriting uptime valuation vesting
virtualisation wireframe accessibility accrual arbitration benchmarking capex opex
cryptography debugging downtime encryption geolocation hyperparameter iteration kanban
microservice multitenancy onboarding pagination penetration refactoring sandbox schema
serialisation stakeholders subcontractor traceability usability versioning webhook
""")

NUMBERS = _words("""1 2 3 4 5 6 7 8 9 10 12 15 20 25 30 40 50 60 90 100 200 500 1000 2024 2025
2026 percent thousand million billion zero half quarter dozen""")

COLLOCATIONS = """
action items|next steps|next week|last week|end of the quarter|follow up|follow-up
circle back|on the call|at the end of the day|moving forward|in terms of|a couple of
I mean|you know|to be honest|as soon as possible|by the way|out of office|on track
behind schedule|take a look|make sure|the thing is|go live|sign off|heads up|deep dive
low hanging fruit|touch base|for example|at the moment|in the meantime|so far|as well
let me know|does that make sense|that makes sense|good point|quick question|from my side
on our end|the board meeting|customer success|sales pipeline|product roadmap|user research
release notes|code review|pull request|unit tests|test coverage|technical debt|cash flow
year over year|month over month|press release|go to market|net promoter score
service level agreement|proof of concept|minimum viable product|single sign on
two factor authentication|data protection|privacy policy|annual review|performance review
team offsite|all hands|town hall|state-of-the-art|end-to-end|real-time|long-term|short-term
""".replace("\n", "|").split("|")

DOUBLED = set(_words("plan ship stop drop chat commit prefer submit admit map tag log plug"))
DOUBLED |= set(_words("skip swap wrap scan split flag"))
ENDINGS = (".", ".", ".", ".", "?", "?", "!")
TITLE_TOPICS = _words("""Budget Roadmap Hiring Sales Marketing Design Product Engineering
Support Finance Security Onboarding Launch Pricing Customer Partner Infrastructure Research""")
TITLE_KINDS = _words("""review sync standup planning retro kickoff workshop interview call
check-in demo update offsite brainstorm""")
OUTSIDE_VOCABULARY = _words("xylophone quokka zeppelin marzipan kumquat obelisk")

# Tiers shuffle content into ranks: a larger factor pushes a tier towards the rare end.
TIER_FACTORS = {"base": 1, "name": 1, "phrase": 1.5, "domain": 2.5, "derived": 3, "jargon": 4}
ZIPF_OFFSET = 2.7  # Zipf-Mandelbrot: weight of rank r is 1 / (r + 2.7)


@dataclass(frozen=True)
class Entry:
    """One vocabulary entry: a word or a multi-word phrase, as spoken and as indexed."""

    text: str
    function: bool
    tokens: tuple[str, ...] = field(init=False)
    pieces: tuple[tuple[str, str], ...] = field(init=False)  # (spoken word, JSON prefix)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tokens", tuple(WORD.findall(self.text.lower())))
        pieces = tuple(
            (piece, f'{{"word": "{piece.lower()}", "start": ') for piece in self.text.split()
        )
        object.__setattr__(self, "pieces", pieces)


@dataclass
class Vocabulary:
    """Entries ranked most frequent first, with cumulative Zipf weights for sampling."""

    entries: list[Entry]
    cum_weights: list[float]

    @property
    def token_set(self) -> frozenset[str]:
        """Every index token any entry can produce."""
        return frozenset(token for entry in self.entries for token in entry.tokens)

    def single_words(self, *, function: bool, ranks: slice) -> list[str]:
        """One-token entries of one kind, in rank order, within `ranks` of that kind."""
        kind = [e for e in self.entries if e.function == function and len(e.tokens) == 1]
        return [e.tokens[0] for e in kind[ranks]]


def _verb_forms(base: str) -> list[str]:
    """-s, -ed and -ing forms of a regular verb, with English spelling rules."""
    if base in DOUBLED:
        stem = base + base[-1]
        return [base + "s", stem + "ed", stem + "ing"]
    if base.endswith("ee"):
        return [base + "s", base + "d", base + "ing"]
    if base.endswith("e"):
        return [base + "s", base + "d", base[:-1] + "ing"]
    if base.endswith("y") and base[-2] not in "aeiou":
        return [base[:-1] + "ies", base[:-1] + "ied", base + "ing"]
    if base.endswith(("s", "sh", "ch", "x", "z")):
        return [base + "es", base + "ed", base + "ing"]
    return [base + "s", base + "ed", base + "ing"]


def _plural(noun: str) -> str:
    """A regular English plural."""
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "sh", "ch", "x", "z")):
        return noun + "es"
    return noun + "s"


def _content_tiers() -> list[tuple[str, str]]:
    """(word, tier) for everything but function words; duplicates are removed later."""
    irregular = [group.split() for group in IRREGULAR_VERBS if group.strip()]
    base = [*NOUNS, *UNCOUNTED, *REGULAR_VERBS, *ADJECTIVES_ADVERBS, *(g[0] for g in irregular)]
    derived = [_plural(n) for n in NOUNS] + [f for v in REGULAR_VERBS for f in _verb_forms(v)]
    derived += [form for group in irregular for form in group[1:]]
    derived += [f for verb in REDO_VERBS for f in ["re" + verb, *_verb_forms("re" + verb)]]
    derived += [_plural(word) for word in DOMAIN] + [f"{person}'s" for person in PEOPLE]
    tiers = [(word, "base") for word in base] + [(word, "derived") for word in derived]
    tiers += [(name, "name") for name in [*PEOPLE, *OTHER_NAMES]]
    tiers += [(n, "base") for n in NUMBERS] + [(word, "domain") for word in DOMAIN]
    tiers += [(phrase.strip(), "phrase") for phrase in COLLOCATIONS if phrase.strip()]
    return tiers + [(word, "jargon") for word in JARGON]


def build_vocabulary() -> Vocabulary:
    """The ranked vocabulary (the same on every run)."""
    rng = random.Random(SEED)
    seen: set[str] = set()
    entries = []
    for word in FUNCTION_WORDS:
        if word.lower() not in seen:
            seen.add(word.lower())
            entries.append(Entry(word, function=True))
    keyed = [(rng.random() * TIER_FACTORS[tier], word) for word, tier in _content_tiers()]
    for _, word in sorted(keyed):
        if word.lower() not in seen:
            seen.add(word.lower())
            entries.append(Entry(word, function=False))
    weights = [1.0 / (rank + ZIPF_OFFSET) for rank in range(len(entries))]
    return Vocabulary(entries, list(accumulate(weights)))


# --- the data -----------------------------------------------------------------------------


@dataclass
class PlannedRecording:
    """One recording to write: whose, when, what."""

    owner: int  # 0..USERS-1
    started_at: datetime
    source: str
    title: str
    ended_at: datetime | None = None
    duration: float = 0.0


def plan_recordings(count: int) -> list[PlannedRecording]:
    """`count` recordings, owners round robin, in order of start (ids follow time)."""
    rng = random.Random(SEED + 1)
    plans = []
    for number in range(count):
        started = SPAN_START + timedelta(seconds=rng.uniform(0, SPAN_DAYS * 86400))
        source = "upload" if rng.random() < UPLOAD_SHARE else "live"
        title = f"{rng.choice(TITLE_TOPICS)} {rng.choice(TITLE_KINDS)}"
        plans.append(
            PlannedRecording(number % USERS, started.replace(microsecond=0), source, title)
        )
    return sorted(plans, key=lambda plan: plan.started_at)


@dataclass
class Spoken:
    """One generated segment: its text, per-word JSON and timing."""

    text: str
    words_json: str
    start: float
    end: float
    speaker: int
    confidence: float


class SpeechMaker:
    """Makes segments of meeting speech, deterministically, and counts the cost."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.rng = random.Random(SEED + 2)
        self.words = 0

    def recording(self, count: int) -> list[Spoken]:
        """`count` consecutive segments of one recording."""
        rng, spoken, speaker = self.rng, [], 0
        clock = rng.uniform(0.5, 3.0)
        for _ in range(count):
            if rng.random() < 0.35:
                speaker = 1 - speaker
            segment = self._segment(clock, speaker)
            spoken.append(segment)
            clock = segment.end + rng.uniform(0.2, 1.5)
        return spoken

    def _segment(self, clock: float, speaker: int) -> Spoken:
        """8-25 entries in sentences, starting `clock` seconds into the recording."""
        rng = self.rng
        picks = rng.choices(
            self.vocabulary.entries, cum_weights=self.vocabulary.cum_weights, k=rng.randint(8, 25)
        )
        shown: list[str] = []
        words: list[str] = []
        start, capital, until_stop = clock, True, rng.randint(4, 12)
        for number, entry in enumerate(picks, 1):
            for piece, prefix in entry.pieces:
                shown.append(piece[0].upper() + piece[1:] if capital else piece)
                capital = False
                end = clock + 0.15 + rng.random() * 0.3
                confidence = 0.75 + rng.random() * 0.25
                words.append(
                    f'{prefix}{clock:.2f}, "end": {end:.2f}, '
                    f'"confidence": {confidence:.3f}, "speaker": {speaker}}}'
                )
                clock = end + rng.random() * 0.08
            until_stop -= 1
            if number == len(picks) or until_stop == 0:
                shown[-1] += rng.choice(ENDINGS)
                capital, until_stop = True, rng.randint(4, 12)
            elif rng.random() < 0.07:
                shown[-1] += ","
        self.words += len(words)
        confidence = round(0.85 + rng.random() * 0.14, 3)
        return Spoken(
            " ".join(shown),
            f"[{', '.join(words)}]",
            round(start, 2),
            round(clock, 2),
            speaker,
            confidence,
        )


# --- writing it ---------------------------------------------------------------------------


def db_time(moment: datetime) -> Any:
    """A datetime as Django writes it to this database (text on SQLite)."""
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(moment)


@dataclass
class Table:
    """An INSERT/COPY shape: the columns we fill, then every other column at its default."""

    name: str
    columns: list[str]
    constants: tuple[Any, ...]

    @classmethod
    def of(cls, model: Any, supplied: list[str]) -> Table:
        """The model's table: `supplied` attnames first, the others' prepared defaults."""
        from django.db import connection

        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        by_name = {f.attname: f for f in fields}
        rest = [f for f in fields if f.attname not in supplied]
        for missing in [f for f in rest if _needs_value(f)]:
            raise RuntimeError(f"{model.__name__}.{missing.name} has no default: add it here")
        constants = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        columns = [by_name[name].column for name in supplied] + [f.column for f in rest]
        return cls(model._meta.db_table, columns, constants)

    def column_list(self) -> str:
        """The quoted column names, comma-separated."""
        return ", ".join(f'"{column}"' for column in self.columns)


def _needs_value(model_field: Any) -> bool:
    """A NOT NULL column without a default ("" counts for text columns)."""
    return not (model_field.has_default() or model_field.null or model_field.empty_strings_allowed)


# The attnames each loader row starts with, in this order.
RECORDING_FIELDS = _words("owner_id title source language engine model status started_at ended_at")
RECORDING_FIELDS.append("duration")
SEGMENT_FIELDS = _words(
    "recording_id index start end text speaker confidence words edited created_at"
)


@dataclass
class Corpus:
    """What was generated: the plan, and the timed user's segments for the queries."""

    plans: list[PlannedRecording]
    user_segments: list[tuple[PlannedRecording, str]] = field(default_factory=list)
    segments: int = 0


class Loader:
    """Writes users' recordings and segments, batch by batch, to one database."""

    def __init__(self, maker: SpeechMaker, corpus: Corpus, user_ids: list[int]) -> None:
        from transcripts.models import Recording, Segment

        self.maker, self.corpus, self.user_ids = maker, corpus, user_ids
        self.seconds = 0.0  # making rows, in Python
        self.recordings = Table.of(Recording, RECORDING_FIELDS)
        self.segments = Table.of(Segment, SEGMENT_FIELDS)

    def segment_batches(self, recording_ids: list[int]) -> Iterator[list[tuple[Any, ...]]]:
        """Rows of BATCH_RECORDINGS recordings at a time; fills in each plan's end time."""
        batch: list[tuple[Any, ...]] = []
        began = time.perf_counter()
        for plan, recording_id in zip(self.corpus.plans, recording_ids, strict=True):
            spoken = self.maker.recording(SEGMENTS_PER_RECORDING)
            plan.duration = spoken[-1].end
            plan.ended_at = plan.started_at + timedelta(seconds=plan.duration)
            created = db_time(plan.ended_at)
            for index, s in enumerate(spoken):
                batch.append(
                    (
                        recording_id,
                        index,
                        s.start,
                        s.end,
                        s.text,
                        s.speaker,
                        s.confidence,
                        s.words_json,
                        False,
                        created,
                        *self.segments.constants,
                    )
                )
            if plan.owner == QUERY_USER:
                self.corpus.user_segments += [(plan, s.text) for s in spoken]
            self.corpus.segments += len(spoken)
            if len(batch) >= BATCH_RECORDINGS * SEGMENTS_PER_RECORDING:
                self.seconds += time.perf_counter() - began
                yield batch
                batch, began = [], time.perf_counter()
        self.seconds += time.perf_counter() - began
        if batch:
            yield batch

    def recording_rows(self) -> list[tuple[Any, ...]]:
        """Recording rows; `ended_at` and `duration` are set after the segments are known."""
        rows = []
        for plan in self.corpus.plans:
            # Estimated for now: 100 segments of about 8 s; corrected after the segments.
            ended = plan.started_at + timedelta(seconds=800)
            rows.append(
                (
                    self.user_ids[plan.owner],
                    plan.title,
                    plan.source,
                    "en",
                    "deepgram",
                    "nova-3",
                    "completed",
                    db_time(plan.started_at),
                    db_time(ended),
                    800.0,
                    *self.recordings.constants,
                )
            )
        return rows

    def duration_rows(self, recording_ids: list[int]) -> list[tuple[Any, ...]]:
        """(ended_at, duration, id) per recording, once its segments are made."""
        return [
            (db_time(plan.ended_at), plan.duration, recording_id)
            for plan, recording_id in zip(self.corpus.plans, recording_ids, strict=True)
            if plan.ended_at is not None
        ]


def _placeholders(table: Table, marker: str) -> str:
    """One parameter marker per column."""
    return ", ".join([marker] * len(table.columns))


def load_sqlite(loader: Loader, path: Path) -> None:
    """executemany in big transactions; the FTS5 triggers fire per row."""
    insert = "INSERT INTO {} ({}) VALUES ({})"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA synchronous=NORMAL")  # as the app's connections
        conn.execute("PRAGMA cache_size=-262144")  # 256 MiB for the loader only
        rec, seg = loader.recordings, loader.segments
        conn.execute("BEGIN")
        conn.executemany(
            insert.format(rec.name, rec.column_list(), _placeholders(rec, "?")),
            loader.recording_rows(),
        )
        conn.execute("COMMIT")
        ids = [row[0] for row in conn.execute(f"SELECT id FROM {rec.name} ORDER BY id")]
        statement = insert.format(seg.name, seg.column_list(), _placeholders(seg, "?"))
        for batch in loader.segment_batches(ids):
            conn.execute("BEGIN")
            conn.executemany(statement, batch)
            conn.execute("COMMIT")
        update = f"UPDATE {rec.name} SET ended_at = ?, duration = ? WHERE id = ?"
        conn.execute("BEGIN")
        conn.executemany(update, loader.duration_rows(ids))
        conn.execute("COMMIT")


def load_postgres(loader: Loader, url: str) -> None:
    """COPY, committed per batch; the tsvector and the GIN index are kept up per row."""
    rec, seg = loader.recordings, loader.segments
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        with cursor.copy(f"COPY {rec.name} ({rec.column_list()}) FROM STDIN") as copy:
            for row in loader.recording_rows():
                copy.write_row(row)
        conn.commit()
        cursor.execute(f"SELECT id FROM {rec.name} ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        for batch in loader.segment_batches(ids):
            with cursor.copy(f"COPY {seg.name} ({seg.column_list()}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
            conn.commit()
        update = f"UPDATE {rec.name} SET ended_at = %s, duration = %s WHERE id = %s"
        cursor.executemany(update, loader.duration_rows(ids))
        conn.commit()


def analyse_sqlite(path: Path) -> None:
    """ANALYZE, then checkpoint the WAL into the main file."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def analyse_postgres(url: str) -> None:
    """VACUUM ANALYZE: statistics, visibility map, GIN pending list merged (as autovacuum)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def sizes_sqlite(path: Path) -> dict[str, int]:
    """Bytes: whole file, segments table, its indexes, the FTS5 index (dbstat)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
        indexes = {
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'index' "
                "AND tbl_name = 'transcripts_segment'"
            )
        }
    return {
        "database": path.stat().st_size,
        "segments_table": rows.get("transcripts_segment", 0),
        "segments_indexes": sum(size for name, size in rows.items() if name in indexes),
        "search_index": sum(v for k, v in rows.items() if k.startswith("transcripts_segment_fts")),
    }


def sizes_postgres(url: str) -> dict[str, int]:
    """Bytes: database, segments heap (+TOAST), its btree indexes, the GIN index."""
    query = """SELECT pg_database_size(current_database()),
        pg_table_size('transcripts_segment'),
        pg_indexes_size('transcripts_segment') - pg_relation_size('transcripts_segment_search'),
        pg_relation_size('transcripts_segment_search')"""
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    keys = ("database", "segments_table", "segments_indexes", "search_index")
    return dict(zip(keys, row, strict=True))


# --- the queries --------------------------------------------------------------------------


@dataclass
class BenchQuery:
    """One search as the user would type it, with its filters and page."""

    kind: str
    text: str
    date_from: date | None = None
    date_to: date | None = None
    source: str = ""
    offset: int = 0

    def filters(self) -> Any:
        """The app's SearchFilters for this query."""
        from transcripts.search import SearchFilters

        return SearchFilters(date_from=self.date_from, date_to=self.date_to, source=self.source)


@dataclass
class UserSegment:
    """The timed user's segment, tokenised for the brute-force check."""

    started: date
    source: str
    tokens: set[str]
    joined: str  # " tok tok tok "


def user_index(corpus: Corpus) -> list[UserSegment]:
    """The timed user's segments, tokenised as the index does."""
    result = []
    for plan, text in corpus.user_segments:
        tokens = WORD.findall(text.lower())
        result.append(
            UserSegment(plan.started_at.date(), plan.source, set(tokens), f" {' '.join(tokens)} ")
        )
    return result


def expected_total(query: BenchQuery, segments: list[UserSegment]) -> int:
    """How many of the user's segments match, by scanning them all."""
    from transcripts.search import parse_query

    parsed = parse_query(query.text)
    if parsed.is_empty:
        return 0

    def has(seg: UserSegment, phrase: Sequence[str]) -> bool:
        return (
            phrase[0] in seg.tokens if len(phrase) == 1 else f" {' '.join(phrase)} " in seg.joined
        )

    def matches(seg: UserSegment) -> bool:
        if query.date_from and seg.started < query.date_from:
            return False
        if query.date_to and seg.started > query.date_to:
            return False
        if query.source and seg.source != query.source:
            return False
        wanted = [(word,) for word in parsed.words] + list(parsed.phrases)
        return all(has(seg, p) for p in wanted) and not any(has(seg, p) for p in parsed.excluded)

    return sum(1 for seg in segments if matches(seg))


class QueryMaker:
    """The 200 timed queries (and the page-11 ones), drawn from the vocabulary and data."""

    def __init__(self, vocabulary: Vocabulary, segments: list[UserSegment]) -> None:
        self.rng = random.Random(SEED + 3)
        self.segments = segments
        self.function = set(vocabulary.single_words(function=True, ranks=slice(None)))
        self.very_common = vocabulary.single_words(function=True, ranks=slice(0, 30))
        self.common = vocabulary.single_words(function=False, ranks=slice(0, 150))
        self.mid = vocabulary.single_words(function=False, ranks=slice(0, 1000))
        content = vocabulary.single_words(function=False, ranks=slice(None))
        self.rare = content[-len(content) // 4 :]
        self.known = vocabulary.token_set
        phrases = [e.text.lower() for e in vocabulary.entries if " " in e.text]
        self.said = [p for p in phrases if any(f" {p} " in seg.joined for seg in segments)]

    def all(self) -> list[BenchQuery]:
        """Every class, in a fixed order."""
        rng = self.rng
        queries = [BenchQuery("very common", w) for w in rng.sample(self.very_common, 10)]
        queries += [BenchQuery("common", w) for w in rng.sample(self.common, 40)]
        queries += [BenchQuery("rare", w) for w in rng.sample(self.rare, 30)]
        queries += [BenchQuery("and 2 words", self._and(2)) for _ in range(25)]
        queries += [BenchQuery("and 3 words", self._and(3)) for _ in range(15)]
        queries += [BenchQuery("phrase", self._phrase()) for _ in range(25)]
        queries += [BenchQuery("exclusion", self._exclusion(n % 4 == 0)) for n in range(20)]
        queries += [BenchQuery("no hits", self._misspelt()) for _ in range(10)]
        queries += [self._filtered(n) for n in range(25)]
        return queries

    def deep_pages(self, totals: dict[str, int]) -> list[BenchQuery]:
        """Ten common words with more than 220 hits, at offset 200."""
        words = [*self.very_common, *self.common]
        candidates = [w for w in words if totals.get(w, 0) > DEEP_OFFSET + PAGE_SIZE]
        chosen = self.rng.sample(candidates, min(10, len(candidates)))
        return [BenchQuery("page 11", word, offset=DEEP_OFFSET) for word in chosen]

    def _and(self, count: int) -> str:
        words = [self.rng.choice(self.common), *self.rng.sample(self.mid, count - 1)]
        if count == 3 and self.rng.random() < 0.35:
            words[-1] = self.rng.choice(self.very_common)  # "budget for the quarter" style
        return " ".join(dict.fromkeys(words))

    def _window(self, tokens: list[str], length: int, avoid: str = "") -> list[str] | None:
        """`length` consecutive tokens, not all function words, without `avoid`."""
        for _ in range(20):
            at = self.rng.randrange(0, max(1, len(tokens) - length + 1))
            window = tokens[at : at + length]
            if len(window) < length or avoid in window:
                continue
            if any(t not in self.function for t in window):
                return window
        return None

    def _phrase(self) -> str:
        """Half the time a set phrase ("action items") the user said, else any 2-3 words."""
        if self.rng.random() < 0.5 and self.said:
            return f'"{self.rng.choice(self.said)}"'
        while True:
            tokens = self.rng.choice(self.segments).joined.split()
            window = self._window(tokens, 2 if self.rng.random() < 0.6 else 3)
            if window:
                return '"' + " ".join(window) + '"'

    def _exclusion(self, phrase: bool) -> str:
        hits: list[UserSegment] = []
        while not hits:
            base = self.rng.choice(self.common)
            hits = [seg for seg in self.segments if base in seg.tokens]
        while True:
            tokens = self.rng.choice(hits).joined.split()
            window = self._window(tokens, 2 if phrase else 1, avoid=base)
            if window:
                excluded = f'"{" ".join(window)}"' if phrase else window[0]
                return f"{base} -{excluded}"

    def _misspelt(self) -> str:
        while True:
            if self.rng.random() < 0.25:
                return self.rng.choice(OUTSIDE_VOCABULARY)
            word = self.rng.choice(self.mid)
            at = self.rng.randrange(1, len(word))
            typo = word[:at] + word[at - 1] + word[at:]  # a doubled letter
            if typo not in self.known:
                return typo

    def _filtered(self, number: int) -> BenchQuery:
        rng = self.rng
        text = self._and(2) if number % 3 == 2 else rng.choice(self.common)
        query = BenchQuery("filtered", text)
        if number % 4 != 1:  # three in four: a date range of 1, 3, 6 or 12 months
            days = rng.choice([30, 91, 182, 365])
            query.date_from = SPAN_START.date() + timedelta(days=rng.randrange(SPAN_DAYS - days))
            query.date_to = query.date_from + timedelta(days=days - 1)
        if number % 4 != 0:  # three in four: a source
            query.source = rng.choice(["live", "upload"])
        return query


# --- timing -------------------------------------------------------------------------------


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

    from transcripts.search import parse_query, search_segments

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


def summary(timed: list[Timed]) -> dict[str, Any]:
    """n, p50, p95, max, mean (ms), the statements' medians and the totals' spread."""
    ordered = sorted(t.ms for t in timed)
    totals = sorted(t.total for t in timed)
    counts = [t.statement_ms[0] for t in timed if t.statement_ms] or [0.0]
    pages = [t.statement_ms[-1] for t in timed if t.statement_ms] or [0.0]
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


# --- one database -------------------------------------------------------------------------


def create_users() -> list[int]:
    """USERS users, search-00 to search-49; their ids in order."""
    from django.contrib.auth.models import User

    users = [User(username=f"search-{n:02d}") for n in range(USERS)]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users)
    ids = list(
        User.objects.filter(username__startswith="search-")
        .order_by("username")
        .values_list("pk", flat=True)
    )
    close_django_connections()
    return ids


def build(
    kind: str, db: BenchDatabase, path: Path, segments: int
) -> tuple[dict[str, Any], Corpus, Vocabulary]:
    """Users, recordings, segments; then statistics; returns the setup figures."""
    vocabulary = build_vocabulary()
    corpus = Corpus(plan_recordings(segments // SEGMENTS_PER_RECORDING))
    maker = SpeechMaker(vocabulary)
    loader = Loader(maker, corpus, create_users())
    began = time.perf_counter()
    if kind == "postgres":
        load_postgres(loader, db.url)
    else:
        load_sqlite(loader, path)
    loaded = time.perf_counter()
    print(f"  loaded in {loaded - began:.0f} s; statistics ...", flush=True)
    if kind == "postgres":
        analyse_postgres(db.url)
    else:
        analyse_sqlite(path)
    analysed = time.perf_counter()
    setup = {
        "users": USERS,
        "recordings": len(corpus.plans),
        "segments": corpus.segments,
        "words": maker.words,
        "vocabulary_entries": len(vocabulary.entries),
        "generate_seconds": loader.seconds,
        "load_seconds": loaded - began,
        "analyse_seconds": analysed - loaded,
        "sizes": sizes_postgres(db.url) if kind == "postgres" else sizes_sqlite(path),
    }
    return setup, corpus, vocabulary


def measure(
    corpus: Corpus, vocabulary: Vocabulary
) -> tuple[list[Timed], list[Timed], list[UserSegment]]:
    """The 200 queries and the page-11 ones, for the timed user."""
    from django.contrib.auth.models import User

    user = User.objects.get(username=f"search-{QUERY_USER:02d}")
    segments = user_index(corpus)
    maker = QueryMaker(vocabulary, segments)
    queries = maker.all()
    words = [*maker.very_common, *maker.common]
    totals = {w: expected_total(BenchQuery("", w), segments) for w in words}
    timed = time_queries(user, queries, segments)
    deep = time_queries(user, maker.deep_pages(totals), segments)
    return timed, deep, segments


def server_version(kind: str) -> str:
    """The database engine and its version."""
    from django.db import connection

    if kind == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


def run_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    """Create, fill and search one database; tears it down unless --keep."""
    with ExitStack() as stack:
        keep_files = args.keep and kind == "sqlite"  # PostgreSQL leaves nothing in it
        temporary = tempfile.TemporaryDirectory(prefix="parley-search-", delete=not keep_files)
        workdir = Path(stack.enter_context(temporary))
        db = BenchDatabase(kind, workdir)
        if not args.keep:
            stack.callback(db.drop)
        stack.callback(close_django_connections)
        db.create()
        env = base_env(db, workdir, postgres=False)  # no Redis: search needs no channel layer
        db.migrate(env)
        setup_django(env)
        path = workdir / "bench.sqlite3"
        print(f"{LABELS[kind]}: writing {args.segments:,} segments ...", flush=True)
        setup, corpus, vocabulary = build(kind, db, path, args.segments)
        print(f"  {LABELS[kind]}: timing the queries ...", flush=True)
        timed, deep, segments = measure(corpus, vocabulary)
        run = figures(kind, setup, timed, deep)
        run["user_segments"] = len(segments)
        run["server"] = server_version(kind)
        if args.explain:
            run["plans"] = [line for t in slowest_per_class(timed) for line in explain(t, kind)]
        if args.keep:
            print(f"kept {db.url if kind == 'postgres' else path}", flush=True)
        return run


def slowest_per_class(timed: list[Timed]) -> list[Timed]:
    """The slowest query of each class."""
    slowest: dict[str, Timed] = {}
    for t in timed:
        if t.query.kind not in slowest or t.ms > slowest[t.query.kind].ms:
            slowest[t.query.kind] = t
    return list(slowest.values())


# --- figures and text ---------------------------------------------------------------------


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
        f"  queries    by {run['query_user']} ({run['user_segments']:,} segments), "
        f"limit {PAGE_SIZE}, after a warm-up pass; count/page ms: each statement's p50",
        "  class           n  p50 ms  p95 ms  max ms mean ms count ms page ms hits p50 hits max",
        *[_row(name, s) for name, s in run["classes"].items()],
        _row("all", run["overall"]),
    ]
    if run["page_11"]:
        lines.append(_row(f"offset {DEEP_OFFSET}", run["page_11"]))
    wrong = run["totals_wrong"]
    lines.append(
        f"  totals     {run['totals_checked'] - len(wrong)}/{run['totals_checked']} agree "
        "with a brute-force scan of the user's segments"
        + "".join(
            f"\n    WRONG {w['text']!r}: {w['total']} (expected {w['expected_total']})"
            for w in wrong
        )
    )
    return "\n".join(lines + run.get("plans", []))


def verdict(runs: list[dict[str, Any]]) -> tuple[bool, str]:
    """Whether every target was met, in one line."""
    parts = []
    for run in runs:
        p95, target = run["overall"]["p95_ms"], run["target_p95_ms"]
        state = "met" if run["target_met"] else "NOT MET"
        parts.append(f"{LABELS[run['database']]} p95 {p95:.1f} ms (target < {target:.0f}): {state}")
    met = all(run["target_met"] for run in runs)
    return met, f"Search targets {'MET' if met else 'NOT MET'}: " + "; ".join(parts)


def write_results(run: dict[str, Any], runtime: float) -> Path:
    """The raw figures as JSON in bench/results/."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"search-{run['database']}.json"
    document = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "runtime_seconds": runtime,
        "verdict": verdict([run])[1],
        "run": run,
    }
    path.write_text(json.dumps(document, indent=1))
    return path


# --- running ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--postgres", action="store_const", dest="which", const="postgres")
    which.add_argument("--sqlite", action="store_const", dest="which", const="sqlite")
    which.add_argument("--both", action="store_const", dest="which", const="both")
    parser.add_argument("--segments", type=int, default=1_000_000, help="default 1,000,000")
    parser.add_argument("--keep", action="store_true", help="keep the database(s)")
    parser.add_argument("--explain", action="store_true", help="plans of each class's slowest")
    args = parser.parse_args(argv)
    args.which = args.which or "both"
    if args.segments < USERS * SEGMENTS_PER_RECORDING:
        parser.error(f"--segments must be at least {USERS * SEGMENTS_PER_RECORDING}")
    return args


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds the ExitStack: the database goes


def run_one(args: argparse.Namespace) -> int:
    """One database in this process: print its table and verdict, write its JSON."""
    began = time.monotonic()
    try:
        run = run_database(args.which, args)
    except KeyboardInterrupt:
        print("\ninterrupted: benchmark database removed", file=sys.stderr)
        return 130
    except Exception:  # reported, and told apart from a missed target by the exit status
        traceback.print_exc()
        print("the run failed: benchmark database removed", file=sys.stderr)
        return 2
    runtime = time.monotonic() - began
    met, line = verdict([run])
    print(format_run(run))
    print(f"\nresults: {write_results(run, runtime)}; runtime {runtime:.0f} s")
    print(line, flush=True)
    return 0 if met else 1


def run_child(kind: str, args: argparse.Namespace) -> int:
    """This script for one database, in a child process; waits for its clean-up on Ctrl+C."""
    command = [sys.executable, __file__, f"--{kind}", "--segments", str(args.segments)]
    command += ["--keep"] * args.keep + ["--explain"] * args.explain
    child = subprocess.Popen(command)
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.wait()  # it had the SIGINT too and is removing its database
        raise
    except SystemExit:
        child.terminate()
        child.wait()
        raise


def run_both(args: argparse.Namespace) -> int:
    """PostgreSQL, then SQLite, each in its own process; then the combined verdict."""
    began = time.monotonic()
    runs, codes = [], {}
    try:
        for kind in ("postgres", "sqlite"):
            codes[kind] = run_child(kind, args)
            path = RESULTS / f"search-{kind}.json"
            if codes[kind] in (0, 1):
                runs.append(json.loads(path.read_text())["run"])
            print(flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    failed = [kind for kind, code in codes.items() if code not in (0, 1)]
    print(f"total runtime {time.monotonic() - began:.0f} s")
    met, line = verdict(runs) if runs else (False, "no database finished")
    print(line + "".join(f"; {LABELS[kind]} run FAILED" for kind in failed))
    return 2 if failed else 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark for one database or, by default, both."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    return run_both(args) if args.which == "both" else run_one(args)


if __name__ == "__main__":
    raise SystemExit(main())
