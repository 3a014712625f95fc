"""The ranked vocabulary, with Zipf-like weights, that the meeting speech is drawn from."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import accumulate

from bench.search.constants import SEED, WORD


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
