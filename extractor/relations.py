"""Relations the document states, found by search: totals and their parts, shares, shares that
make up a whole, differences, and the patterns of a table's rows and columns.

The cue rules of ``extractor/checks.py`` find relations that a phrase announces ("trong đó",
"chiếm"); they are one kind of evidence here. This finder tries what a reader would try:

1. **Which facts may relate.** Same kind and unit family (``unit_families`` of cues.yaml, and
   abbreviations the text defines: "hồ sơ (HS)"); never money with counts; a change ("tăng
   1,39%") only in a difference of two levels; an approximate figure ("gần 98%") only in a pass,
   with a tolerance that its vagueness allows; parts that differ along one facet only
   (``data/relations.yaml``: timeliness, level, channel... an on-time count and an online count
   are never parts of one total).
2. **Candidates** in growing scopes: sums of two to five parts (every pair of a block and the
   ones after it, longer runs of figures that follow each other), a percentage against a part
   and a whole (the part named by a share cue first), shares adding to 100, a change against two
   levels, and in tables the columns that add up in most rows and the total rows.
3. **Verification** with the tolerance the written precision gives: a figure with d decimals may
   have been rounded or truncated (3.399 / 26.030 = 13,058 % is printed 13,05 %).
4. **A stated relation or a coincidence.** Each candidate carries the number of chance matches
   its search allowed (candidates tried × the probability that one lands within tolerance); it
   is accepted when that is small, with a looser bound when structure supports it (a breakdown
   cue, a complete split of a facet, sibling clauses written on one template, a table pattern).
   Of the relations a total takes part in, the one with the best evidence is kept.
5. **A fail needs all of:** an asserted relation (a complete facet split, siblings that pass, a
   table pattern holding in most rows, an explicit x/y with its %); a near miss (a few percent
   off, or one digit changed); and figures read without doubt (not approximate, not OCR, not an
   ambiguous separator). Anything short of that is ``unverifiable``, with a ``why``.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter as Counter_
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from operator import attrgetter

from pydantic import BaseModel, ConfigDict

from baocao.extractor.arith import typo_of, vi, written
from baocao.extractor.checks import family
from baocao.extractor.memo import document_memo
from baocao.extractor.vocab import (
    VocabularyError,
    alternation,
    cues,
    load_model,
    why,
    words_re,
)
from baocao.parsers.grid import is_total_label
from baocao.schemas.document import BlockKind, Document
from baocao.schemas.extraction import Check, CheckStatus, Evidence, Extraction, Fact, FactKind, Qualifier

PASS, FAIL, UNSURE = CheckStatus.passed, CheckStatus.failed, CheckStatus.unverifiable

# Acceptance bounds on the expected number of chance matches (see the module docstring).
CHANCE_BARE = 0.02          # no structure: the arithmetic alone must make a coincidence unlikely
CHANCE_FACET = 0.2          # parts differ along one facet, or the total is named a whole
CHANCE_STRUCTURED = 1.0     # a cue, a complete split, siblings, a table pattern
NEAR_MISS = 0.08            # a fail is at most this far off (relative), or one digit changed
MAX_PARTS = 5               # parts of a sum chosen freely (pairs) or as a run (up to MAX_RUN)
MAX_RUN = 12                # a run of neighbouring figures: "42,96 = 5,15 + 5,61 + ... (8 fields)"
MAX_BLOCKS_AFTER = 3
MAX_TABLE_GAP = 4           # two tables joined by row names are at most this many blocks apart
PAIR_OFFSET = 1000          # the second table's columns, when two tables are joined
_APPROX = {Qualifier.about, Qualifier.more_than, Qualifier.less_than, Qualifier.at_least,
           Qualifier.at_most, Qualifier.range, Qualifier.target}   # an estimate is a precise figure
_SENT = re.compile(r"[.!?](?=\s|$)|\n")
_CLAUSE = re.compile(r"[;:]|[.!?](?=\s|$)|\n")


class Facet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    values: dict[str, list[str]]
    partitions: list[list[str]]


class UnitKind(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    names: list[str]
    members: list[str]


class RelationWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    facets: dict[str, Facet]
    whole_words: list[str]
    whole_links: list[str]
    part_links: list[str]
    complete_list_cues: list[str]
    remainder_cues: list[str]
    change_reference: list[str]
    generic_units: list[str]
    unit_kinds: list[UnitKind]


@cache
def relation_words() -> RelationWords:
    words = load_model(RelationWords, "relations.yaml")
    for name, facet in words.facets.items():
        for part in facet.partitions:
            missing = set(part) - set(facet.values)
            if missing:
                raise VocabularyError(f"extractor/data/relations.yaml: facet {name}: "
                                      f"partition names unknown values {sorted(missing)}")
    return words


@cache
def _facet_res() -> list[tuple[str, str, re.Pattern[str]]]:
    out = []
    for name, facet in relation_words().facets.items():
        for value, phrases in facet.values.items():
            out.append((name, value, re.compile(rf"(?<!\w)(?:{alternation(phrases)})(?!\w)", re.IGNORECASE)))
    return out


@cache
def _facet_groups() -> list[tuple[re.Pattern[str], list[tuple[str, str, re.Pattern[str]]]]]:
    """Per facet, every phrase of its values in one pattern, beside the patterns of its values
    (those of ``_facet_res``, in its order): a label the first does not match names no value of
    the facet, and its values are not searched one by one."""
    res = _facet_res()
    out = []
    for name, facet in relation_words().facets.items():
        phrases = [ph for ps in facet.values.values() for ph in ps]
        # a value without phrases has an empty pattern: the facet's takes the empty alternative too
        every = "" if all(facet.values.values()) else "|"
        out.append((re.compile(rf"(?<!\w)(?:{every}{alternation(phrases)})(?!\w)", re.IGNORECASE),
                    [r for r in res if r[0] == name]))
    return out


@cache
def _any_facet_re() -> re.Pattern[str]:
    """Every facet phrase in one pattern: a text it does not match names no facet (most labels),
    and is not searched once per facet value."""
    phrases = [ph for facet in relation_words().facets.values() for ps in facet.values.values()
               for ph in ps]
    return re.compile(rf"(?<!\w)(?:{alternation(phrases)})(?!\w)", re.IGNORECASE)


_FACETS = document_memo()
_FACET_PHRASES = document_memo()


def facets_of(label: str) -> dict[str, set[str]]:
    """Facet -> the values whose phrases the label contains; where phrases overlap the longer
    one wins ("không hài lòng" is dissatisfied, not also satisfied). Each call gets its own
    copy of the answer remembered for this document (``extractor.memo``)."""
    got = _FACETS.get(label)
    if got is None:
        got = _FACETS[label] = _facets_of(label)
    out: dict[str, set[str]] = defaultdict(set)
    for name, values in got.items():
        out[name] = set(values)
    return out


def _facets_of(label: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    if not _any_facet_re().search(label):
        return out
    found: list[tuple[int, int, str, str]] = []
    for any_value, values in _facet_groups():
        if not any_value.search(label):
            continue
        for name, value, rx in values:
            for m in rx.finditer(label):
                found.append((m.start(), m.end(), name, value))
    for start, end, name, value in found:
        if not any(s <= start and end <= e and (e - s) > (end - start) and n == name
                   for s, e, n, _ in found):
            out[name].add(value)
    return out


def facet_phrases(text: str) -> list[str]:
    """The facet phrases a text names, in order, longest first where they overlap (a copy of
    the answer remembered for this document)."""
    got = _FACET_PHRASES.get(text)
    if got is None:
        got = _FACET_PHRASES[text] = tuple(_facet_phrases(text))
    return list(got)


def _facet_phrases(text: str) -> list[str]:
    if not _any_facet_re().search(text):
        return []
    found: list[tuple[int, int, str]] = []
    for _, _, rx in _facet_res():
        for m in rx.finditer(text):
            found.append((m.start(), -len(m.group(0)), m.group(0)))
    out: list[str] = []
    end = -1
    for start, neg_len, phrase in sorted(found):
        if start >= end:
            out.append(phrase)
            end = start - neg_len
    return out


def one_facet(facets: list[dict[str, set[str]]]) -> bool:
    """Parts that differ along one facet at most (an on-time count and an online count are not
    two parts of one split); parts that name no facet do not count against it."""
    named = [f for f in facets if f]
    if len(named) < 2:
        return True
    shared = set.intersection(*(set(f) for f in named))
    varying = [k for k in shared if len({frozenset(f[k]) for f in named}) > 1]
    others = set().union(*(set(f) for f in named)) - shared
    return bool(varying) or not others


def partition_of(facets: list[dict[str, set[str]]]) -> str | None:
    """The facet whose partition the parts cover exactly, one value each, if any."""
    for name, facet in relation_words().facets.items():
        for partition in facet.partitions:
            if len(facets) != len(partition):
                continue
            values = [sorted(f.get(name, set()) & set(partition)) for f in facets]
            if not all(values):
                continue
            for combo in itertools.product(*values):
                if sorted(combo) == sorted(partition):
                    return name
    return None


@cache
def _whole_re() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation(relation_words().whole_words)})(?!\w)", re.IGNORECASE)


@cache
def _breakdown_re() -> re.Pattern[str]:
    words = [*cues().breakdown_cues, *cues().connectors["list_openers"], *relation_words().part_links]
    return re.compile(rf"(?<!\w)(?:{alternation(words)})(?!\w)|\(", re.IGNORECASE)


@cache
def _whole_after_re() -> re.Pattern[str]:
    """The words between a share and its whole written after it: "71,7% tổng số 6.287 ..."."""
    links = alternation(relation_words().whole_links)
    return re.compile(rf"\s*(?:(?:{links})\s+)?(?:{alternation(relation_words().whole_words)})"
                      rf"(?:\s+(?:{alternation(cues().units)}))?\s*(?:{words_re('label_copulas')}|:)?\s*",
                      re.IGNORECASE)


@cache
def _remainder_re() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation(relation_words().remainder_cues)})(?!\w)", re.IGNORECASE)


@cache
def _share_cue_re() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation(cues().share_cues)})(?:\s+(?:{alternation(cues().label_trim)}))?"
                      rf"[\s:]*$", re.IGNORECASE)


# -- nodes --------------------------------------------------------------------------------

@dataclass
class Node:
    fact: Fact
    value: float
    tol: float                      # half a unit of the last written decimal
    step: float                     # one unit of the last written decimal
    fam: str
    block: int
    sent: int
    clause: int
    order: int = 0
    approx: bool = False
    unsure: bool = False
    label: str = ""
    facets: dict[str, set[str]] = field(default_factory=dict)
    cell: tuple[int, int] | None = None


_ORDER = attrgetter("order")
_ABBREVIATION = re.compile(r"((?:\w+\s+){1,6}?)\(([A-ZĐ]{2,8})\)")
_ABBREVIATION_PAREN = re.compile(r"\([A-ZĐ]{2,8}\)")
_HARD = re.compile(r"[^\w\s]")     # a character no run of words crosses


def _abbreviation_matches(text: str) -> list[re.Match[str]]:
    """``_ABBREVIATION.finditer(text)``, searched only in the words right before each "(AB)":
    the words of a match never cross a character that is neither a word character nor a
    space, so the search for the paren at q starts after the last such character before q
    (the pattern tried at every position of a long report cost 5 % of its extraction)."""
    out: list[re.Match[str]] = []
    hard: list[int] | None = None
    end = 0
    for paren in _ABBREVIATION_PAREN.finditer(text):
        q = paren.start()
        if q < end:
            continue
        if hard is None:
            hard = [m.start() for m in _HARD.finditer(text)]
        i = bisect_left(hard, q)                     # hard[i] is the "(" itself
        lo = max(hard[i - 1] + 1 if i else 0, end)
        m = _ABBREVIATION.search(text, lo, paren.end())
        if m is not None:
            out.append(m)
            end = m.end()
    return out


def _abbreviations(text: str) -> dict[str, str]:
    """Abbreviations the text defines: "hồ sơ (HS)" makes "HS" a name of "hồ sơ"."""
    out: dict[str, str] = {}
    for m in _abbreviation_matches(text):
        words, abbr = m.group(1).split(), m.group(2)
        initials = "".join(w[0] for w in words[-len(abbr):]).upper()
        if len(words) >= len(abbr) and initials == abbr.replace("Đ", "Đ"):
            out[abbr.lower()] = " ".join(words[-len(abbr):]).lower()
    return out


@cache
def _generic_units() -> frozenset[str]:
    """The units that name no counted thing ("trường hợp", "lượt"), lower-cased once."""
    return frozenset(u.lower() for u in relation_words().generic_units)


class _Placed:
    """Nodes in document order (a subsequence of ``Graph.nodes``), indexed by what the share
    and sum lookups ask of them: their sentence, their block, where they start. Each lookup
    gives the nodes a scan of the whole list would, in the same order
    (tests/test_long_reports.py); scanning every node for every figure made the shares and
    sums quadratic in a long report's figures (``benchmarks/parse_pdf.py``'s 500 pages)."""

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self.extra: Node | None = None   # one more node (``plus``), for block lookups only
        self.starts = [n.fact.span[0] for n in nodes]   # nondecreasing: nodes are in span order
        self.by_sent: dict[int, list[Node]] = defaultdict(list)
        self.by_block: dict[int, list[Node]] = defaultdict(list)
        for n in nodes:
            self.by_sent[n.sent].append(n)
            self.by_block[n.block].append(n)
        self.plain = [n for n in nodes if n.fact.denominator is None]   # no x/y of their own
        self.plain_pairs: int | None = None                             # _pair_count(plain)

    def in_sentence(self, sent: int) -> list[Node]:
        return self.by_sent.get(sent, [])

    def in_blocks(self, lo: int, hi: int) -> list[Node]:
        """The nodes of blocks ``lo`` to ``hi``, in document order."""
        found = [n for b in range(lo, hi + 1) for n in self.by_block.get(b, ())]
        if self.extra is not None and lo <= self.extra.block <= hi:
            found.append(self.extra)
        return sorted(found, key=_ORDER) if len(found) > 1 else found

    def plus(self, node: Node) -> _Placed:
        """These nodes and ``node`` (not one of them), for ``in_blocks``: the indexes are
        shared, not copied."""
        view = copy.copy(self)
        view.extra = node
        return view

    def first_from(self, offset: int) -> Node | None:
        """The first node starting at or after ``offset``."""
        i = bisect_left(self.starts, offset)
        return self.nodes[i] if i < len(self.nodes) else None


class Graph:
    """The numeric facts of one extraction, with where each stands (block, sentence, clause)."""

    def __init__(self, ex: Extraction, doc: Document) -> None:
        self.ex, self.doc, self.text = ex, doc, ex.text
        self.clause_ends = [m.start() for m in _CLAUSE.finditer(self.text)]
        # every match of either pattern is one character: the sentence ends are the clause
        # ends that are no ";" or ":" (what _SENT.finditer finds, without a second pass)
        text = self.text
        self.sent_ends = [i for i in self.clause_ends if text[i] not in ";:"]
        abbr = _abbreviations(self.text)
        self.nodes: list[Node] = []
        for f in sorted(ex.facts, key=lambda f: f.span):
            if f.kind not in (FactKind.count, FactKind.score, FactKind.percentage, FactKind.amount,
                              FactKind.rank) or not isinstance(f.value, float):
                continue
            fam = family(f)
            unit = (f.unit or "").lower()
            if unit in abbr:
                fam = family(f.model_copy(update={"unit": abbr[unit]}))
            if f.kind is FactKind.count and unit in _generic_units():
                fam = "count:*"
            d = f.decimals or 0
            label = " ".join(x for x in (f.label, f.subject) if x)
            rounded = d > 0 or f.kind is FactKind.percentage  # "78%" was rounded; "02 điểm" is exact
            self.nodes.append(Node(
                fact=f, value=float(f.value), tol=0.5 * 10 ** -d if rounded else 0.0, step=10 ** -d,
                fam=fam, block=f.location.block, sent=bisect_right(self.sent_ends, f.span[0]),
                clause=bisect_right(self.clause_ends, f.span[0]),
                approx=f.qualifier in _APPROX, label=label,
                unsure=f.location.origin == "ocr" or f.confidence < 0.6,
                facets=facets_of(label), cell=f.location.cell))
        for i, n in enumerate(self.nodes):
            n.order = i
        self.starts = [n.fact.span[0] for n in self.nodes]   # nondecreasing: span order

    def between(self, a: int, b: int) -> str:
        return self.text[a:b]


# -- arithmetic -------------------------------------------------------------------------------

def holds_sum(total: Node, parts: list[Node]) -> bool:
    got = sum([p.value for p in parts])     # lists: quicker than generators for a few parts
    tol = total.tol + sum([p.tol for p in parts])
    if total.approx or any(p.approx for p in parts):
        tol = max(tol, 0.03 * total.value)
    return abs(got - total.value) <= tol + 1e-9


def share_matches(part: float, whole: float, pct: Node) -> bool:
    """100·part/whole, rounded or truncated to the printed decimals, is the percentage."""
    if whole <= 0:
        return False
    return percent_matches(100.0 * part / whole, pct)


def percent_matches(got: float, pct: Node) -> bool:
    """A computed percentage, rounded or truncated to the printed decimals, is the stated one."""
    if not math.isfinite(got):
        return False
    d = pct.fact.decimals or 0
    scale = 10 ** d
    if abs(got - pct.value) <= pct.tol + 1e-9:
        return True
    if math.floor(abs(got) * scale + 1e-9) / scale == round(abs(pct.value), d):
        return True
    return pct.approx and abs(got - pct.value) <= max(1.0, 0.02 * pct.value)


def near_miss(got: float, stated: float) -> bool:
    """A few percent off, or a slip of the pen away (one digit, two swapped, a separator)."""
    if stated == 0:
        return False
    return abs(got - stated) / abs(stated) <= NEAR_MISS or typo_of(stated, got)


def repairable(total: Node, parts: list[Node]) -> bool:
    """The total or one part is a slip of the pen away from making the sum hold."""
    got = sum(p.value for p in parts)
    return typo_of(total.value, got) or any(typo_of(p.value, total.value - (got - p.value)) for p in parts)


# -- findings ---------------------------------------------------------------------------------

@dataclass
class Finding:
    rule: str
    status: CheckStatus
    facts: list[Node]
    expected: float | None
    actual: float | None
    tol: float | None
    explanation: str
    evidence: list[Evidence]
    scope: str
    why: str | None = None
    rank: float = 0.0               # lower is better: the chance estimate, then size

    def check(self, cid: str) -> Check:
        return Check(id=cid, rule=self.rule, status=self.status, facts=[n.fact.id for n in self.facts],
                     expected=self.expected, actual=self.actual, tolerance=self.tol,
                     explanation=self.explanation, evidence=self.evidence, scope=self.scope,
                     why=self.why)


def _sum_text(total: Node, parts: list[Node], status: CheckStatus) -> str:
    got = sum(p.value for p in parts)
    d = max([p.fact.decimals or 0 for p in parts] + [total.fact.decimals or 0])
    mark = {PASS: "=" if got == total.value else "≈", FAIL: "≠", UNSURE: "≠"}[status]
    sign = {PASS: "✓", FAIL: "✗", UNSURE: "?"}[status]
    return f"{' + '.join(written(p.fact) for p in parts)} = {vi(got, d)} {mark} {written(total.fact)} {sign}"


class RelationFinder:
    """Finds, verifies and explains the relations of one extraction."""

    def __init__(self, ex: Extraction, doc: Document, existing: list[Check]) -> None:
        self.g = Graph(ex, doc)
        self.doc = doc
        self.existing = existing
        self.seen = {frozenset(c.facts) for c in existing}
        self.covered_parts: dict[str, set[str]] = defaultdict(set)   # total -> parts the cue rules found
        self.seen_parts: set[str] = set()                               # facts in any cue-rule sum
        for c in existing:
            if c.rule == "sum":
                self.seen_parts |= set(c.facts[1:])
                if c.status is PASS:
                    self.covered_parts[c.facts[0]] |= set(c.facts[1:])
                else:
                    self.covered_parts.setdefault(c.facts[0], set())
        self.covered_shares = {c.facts[-1] for c in existing if c.rule == "share"}
        self.out: list[Finding] = []
        self.whole_of: dict[str, Node] = {}     # part fact id -> the total it was found in
        self.pair_counts: dict[tuple[int, ...], int] = {}   # ids of the nodes -> _pair_count
        from baocao.extractor.tables import TableViews

        self.views = TableViews(doc.text)      # each table read once, whichever step asks

    def run(self) -> list[Finding]:
        self.table_patterns()
        self.sums()
        self.shares()
        self.complements()
        self.differences()
        self.item_counts()
        self.footnotes()
        return self.out

    def _emit(self, f: Finding) -> None:
        key = frozenset(n.fact.id for n in f.facts)
        if key in self.seen:
            return
        self.seen.add(key)
        self.out.append(f)

    # -- sums ---------------------------------------------------------------------------------
    def _prose(self) -> list[Node]:
        return [n for n in self.g.nodes if n.cell is None]

    def sums(self) -> None:
        nodes = [n for n in self._prose() if n.fact.kind in (FactKind.count, FactKind.amount,
                                                               FactKind.score)
                 and n.value > 0]
        by_fam: dict[str, list[Node]] = defaultdict(list)
        for n in nodes:
            # changes add up among themselves, in one direction: "tăng 29.524 giường (tuyến
            # Trung ương tăng 4.980, tuyến tỉnh tăng 11.279; tuyến huyện tăng 13.265)"
            by_fam[f"{n.fam}|{n.fact.change}" if n.fact.change else n.fam].append(n)
        generic = by_fam.pop("count:*", [])
        for fam, fam_nodes in by_fam.items():
            members = sorted(fam_nodes + (generic if fam.startswith("count:") else []), key=lambda n: n.order)
            placed = _Placed(members)
            columns: dict[int, list[list[Node]]] = {}   # block -> the sibling columns near it
            for total in members:
                self._sum_for(total, placed, columns)
        counted = [_Placed(fam_nodes) for fam, fam_nodes in by_fam.items() if fam.startswith("count:")]
        for total in generic:   # a generic total over parts of one family
            for placed in counted:
                self._sum_for(total, placed.plus(total))

    def _scope(self, total: Node, fam_nodes: _Placed) -> list[Node]:
        return [n for n in fam_nodes.in_blocks(total.block - 1, total.block + MAX_BLOCKS_AFTER)
                if n is not total and n.value <= total.value + total.tol
                and n.fact.denominator is None]

    def _sum_for(self, total: Node, fam_nodes: _Placed,
                 columns: dict[int, list[list[Node]]] | None = None) -> None:
        """The sums ``total`` is the total of, among ``fam_nodes``; ``columns`` keeps the sibling
        columns near each block for the next total of the same ``fam_nodes``."""
        pool = self._scope(total, fam_nodes)
        if len(pool) < 2:
            return
        candidates: list[tuple[tuple[Node, ...], str]] = []
        for a, b in itertools.combinations(pool, 2):
            candidates.append(((a, b), ""))
        for k in range(3, MAX_RUN + 1):
            for i in range(len(pool) - k + 1):
                candidates.append((tuple(pool[i:i + k]), ""))
        in_pool = {id(n) for n in pool}
        siblings = columns.get(total.block) if columns is not None else None
        if siblings is None:
            near = fam_nodes.in_blocks(total.block - 1, total.block + MAX_BLOCKS_AFTER)
            siblings = self._sibling_columns(near)
            if columns is not None:
                columns[total.block] = siblings
        for column in siblings:
            if all(id(n) in in_pool for n in column):
                candidates.append((tuple(column), "siblings"))
        tried = len(candidates)
        p_hit = self._p_hit(total)
        accepted: list[Finding] = []
        alternatives = any(n.fact.alternatives for n in pool)   # the candidates' parts are of the pool
        for parts, how in candidates:
            plist = list(parts)
            note = None
            if not holds_sum(total, plist):
                if not alternatives:
                    continue
                plist, note = self._with_alternative(total, plist)
                if note is None:
                    continue
            evidence, bound = self._sum_evidence(total, plist)
            if how == "siblings":
                evidence.append(Evidence(kind="siblings", detail=f"the same place in {len(plist)} "
                                                                 f"clauses written on one template"))
                bound = CHANCE_STRUCTURED
            chance = tried * p_hit
            if any(e.detail.startswith("a colon after the total") for e in evidence):
                chance = p_hit   # the keyed list pins the parts: one candidate, not a search
            if chance > bound:
                continue
            evidence.append(Evidence(kind="coincidence", detail=f"{tried} sums tried", chance=round(chance, 6)))
            if note:
                evidence.append(Evidence(kind="structure", detail=note))
            f = Finding("sum", PASS, [total, *plist], total.value, sum(p.value for p in plist),
                        total.tol + sum(p.tol for p in plist), _sum_text(total, plist, PASS),
                        evidence, "siblings" if how else self._scope_name(total, plist),
                        rank=chance / max(bound, 1e-9) + 0.01 * len(plist) + 0.001 * self._spread(total, plist))
            accepted.append(f)
        if not accepted and total.fact.id not in self.covered_parts and not total.fact.change:
            self._breakdown_miss(total, pool)
        used: set[str] = set(self.covered_parts.get(total.fact.id, set()))
        for f in sorted(accepted, key=lambda f: f.rank):   # disjoint decompositions, best first
            ids = {n.fact.id for n in f.facts[1:]}
            if ids & used:
                continue
            used |= ids
            for p in f.facts[1:]:
                self.whole_of.setdefault(p.fact.id, total)
            self._emit(f)

    def _with_alternative(self, total: Node, parts: list[Node]) -> tuple[list[Node], str | None]:
        """The sum holds when one part whose grouping mark looks misplaced ("5.9123") is read
        as its alternative ("59.123"): the relation confirms the slip."""
        for i, p in enumerate(parts):
            for alt in p.fact.alternatives:
                fixed = Node(**{**p.__dict__, "value": alt, "tol": 0.0})
                trial = parts[:i] + [fixed] + parts[i + 1:]
                if holds_sum(total, trial):
                    return trial, f"reading {p.fact.text} as {vi(alt)}: a grouping mark in the wrong place"
        return parts, None

    def _breakdown_miss(self, total: Node, pool: list[Node]) -> None:
        """A breakdown the text announces ("trong đó", "gồm", in the sentence or opening the next
        paragraph) whose parts do not add up: the run of parts nearest to the total is judged —
        a fail when the relation is asserted and the miss small or a slip of the pen, else
        unverifiable, with why."""
        from baocao.extractor.checks import unasserted

        after = [n for n in pool if n.fact.span[0] > total.fact.span[1]
                 and n.block in (total.block, total.block + 1)]
        if len(after) < 2 or any(n.fact.id in self.seen_parts for n in after[:2]):
            return
        gap = self.g.between(total.fact.span[1], after[0].fact.span[0])
        cue = _breakdown_re().search(gap)
        if cue is None or len(gap) > 200 or (after[0].block != total.block and cue.start() > 12 + gap.find("\n\n") + 2):
            return
        runs = [after[:k] for k in range(2, min(MAX_PARTS, len(after)) + 1)
                if all(p.sent == after[0].sent and p.value < total.value for p in after[:k])]
        if not runs:
            return
        parts = min(runs, key=lambda r: abs(sum(p.value for p in r) - total.value))
        got = sum(p.value for p in parts)
        if not (near_miss(got, total.value) or repairable(total, parts)):
            return
        strict = bool(re.search(rf"(?<!\w)(?:{words_re('list_openers')})(?!\w)", cue.group(0), re.IGNORECASE))
        reason = unasserted(total.fact, [p.fact for p in parts], strict, got)
        if any(p.unsure or p.approx for p in parts) or total.approx:
            reason = reason or why("approximate")
        status = UNSURE if reason else FAIL
        ev = [Evidence(kind="cue", detail=f"“{cue.group(0)}” announces the parts of {written(total.fact)}")]
        if status is FAIL:
            ev.append(Evidence(kind="partition", detail="the parts split one facet"))
        f = Finding("sum", status, [total, *parts], total.value, got, total.tol + sum(p.tol for p in parts),
                    _sum_text(total, parts, status), ev, self._scope_name(total, parts), why=reason)
        self._emit(f)

    def _sibling_columns(self, pool: list[Node]) -> list[list[Node]]:
        """The i-th figure of each clause, over clauses of one block that hold the same number of
        figures of the family ("cấp tỉnh tiếp nhận A hồ sơ, với a trực tuyến; cấp huyện tiếp
        nhận B hồ sơ, với b trực tuyến; ..." gives the columns A, B, ... and a, b, ...)."""
        out: list[list[Node]] = []
        by_block: dict[int, dict[int, list[Node]]] = defaultdict(lambda: defaultdict(list))
        for n in pool:
            by_block[n.block][n.clause].append(n)
        for clauses in by_block.values():
            sizes = Counter_(len(v) for v in clauses.values())
            for size, count in sizes.items():
                if count < 2:
                    continue
                rows = [v for v in clauses.values() if len(v) == size]
                out += [[row[j] for row in rows] for j in range(size)]
        return out

    def _p_hit(self, total: Node) -> float:
        width = max(2 * total.tol, total.step)
        return min(1.0, width / max(total.value, 1.0))

    def _spread(self, total: Node, parts: list[Node]) -> int:
        return max(abs(p.order - total.order) for p in parts)

    def _one_facet(self, parts: list[Node]) -> bool:
        return one_facet([p.facets for p in parts])

    def _partition(self, parts: list[Node]) -> str | None:
        return partition_of([p.facets for p in parts])

    def _sum_evidence(self, total: Node, parts: list[Node]) -> tuple[list[Evidence], float]:
        ev: list[Evidence] = []
        bound = CHANCE_BARE
        first = min(parts, key=lambda p: p.fact.span[0])
        if first.fact.span[0] > total.fact.span[1]:
            gap = self.g.between(total.fact.span[1], first.fact.span[0])
            m = _breakdown_re().search(gap)
            if m is not None and len(gap) < 400:
                ev.append(Evidence(kind="cue", detail=f"“{m.group(0)}” after the total"))
                bound = CHANCE_STRUCTURED
            elif re.match(r"[^\d:;.()]{0,30}:\s", gap) and self._keyed_list(total, parts):
                # "04 giấy phép: Thăm dò: 01 giấy phép; Khai thác: 03 giấy phép": a colon after
                # the total opens the list of its keyed parts
                ev.append(Evidence(kind="cue", detail="a colon after the total opens its keyed parts"))
                bound = CHANCE_STRUCTURED
        part_name = self._partition(parts)
        if part_name:
            ev.append(Evidence(kind="partition", detail=f"the parts split {part_name} completely"))
            bound = CHANCE_STRUCTURED
        elif not self._one_facet(parts):
            pass  # parts on different facets: only the arithmetic can speak for the relation
        elif any(p.facets for p in parts) or _whole_re().search(total.label):
            ev.append(Evidence(kind="structure", detail="parts differ along one facet"
                               if any(p.facets for p in parts) else "the total is named a whole"))
            bound = max(bound, CHANCE_FACET)
        return ev, bound

    def _keyed_list(self, total: Node, parts: list[Node]) -> bool:
        """The parts follow one another in the total's sentence, each after its own key and colon
        ("Thăm dò: 01 giấy phép; Khai thác: 03 giấy phép"), and nothing else stands between."""
        ordered = sorted(parts, key=lambda p: p.fact.span[0])
        if any(p.sent != total.sent for p in ordered):
            return False
        for p in ordered:
            before = self.g.text[max(total.fact.span[1], p.fact.span[0] - 40):p.fact.span[0]]
            if not re.search(r"[^\W\d][^\d:;]{0,30}:\s*$", before):
                return False
        nodes, starts = self.g.nodes, self.g.starts
        lo, hi = ordered[0].fact.span[0], ordered[-1].fact.span[0]
        between = [n for n in nodes[bisect_right(starts, lo):bisect_left(starts, hi)]
                   if n not in ordered and n.fam == total.fam]
        return not between

    def _scope_name(self, total: Node, parts: list[Node]) -> str:
        nodes = [total, *parts]
        if len({n.clause for n in nodes}) == 1:
            return "clause"
        if len({n.sent for n in nodes}) == 1:
            return "sentence"
        if len({n.block for n in nodes}) == 1:
            return "block"
        return "blocks"

    # -- shares --------------------------------------------------------------------------------
    def shares(self) -> None:
        pcts = [n for n in self._prose() if n.fact.kind is FactKind.percentage
                and n.fact.denominator is None and not n.fact.change]
        counts = _Placed([n for n in self._prose() if not n.fact.change and (
            n.fact.kind is FactKind.count or (n.fact.denominator is not None and n.fact.kind is FactKind.score))])
        found: list[tuple[Finding, tuple[str, ...], Node, Node | None]] = []
        for pct in pcts:
            if pct.fact.id in self.covered_shares:
                continue
            result = self._share_for(pct, counts)
            if result is not None:
                found.append(result)
        self._judge_share_siblings(found)

    def _share_part(self, pct: Node, counts: _Placed) -> tuple[Node | None, str | None]:
        """The count a share cue ties the percentage to: "2.521 hồ sơ trực tuyến (đạt tỷ lệ
        37,76%)", "13.529 hồ sơ, chiếm tỷ lệ 86,5%"; an aside in parentheses between them
        ("15.539 hồ sơ (trong đó có 370 ...), đạt tỷ lệ 97,93%") is skipped."""
        before = [c for c in counts.in_sentence(pct.sent) if c.fact.span[1] <= pct.fact.span[0]]
        while before:
            part = before[-1]
            gap = self.g.between(part.fact.span[1], pct.fact.span[0])
            if gap.count(")") > gap.count("("):
                opening = self.g.text.rfind("(", 0, part.fact.span[0])
                before = [c for c in before if c.fact.span[1] <= opening]
                continue
            bare = re.sub(r"\[\d{1,3}\]", "", gap)            # footnote markers
            if part.fact.denominator is not None:
                bare = re.sub(r"^\s*\S*\s*/\s*\d[\d.,]*", "", bare)   # "TTHC/4.888 TTHC": its own whole
            if ";" in gap or len(gap) > 120 or re.search(r"\d", bare):
                return None, None
            m = _share_cue_re().search(gap.rstrip(" (:"))
            return (part, m.group(0).strip()) if m is not None else (None, None)
        return None, None

    def _share_for(self, pct: Node, counts: _Placed) -> tuple[Finding, tuple[str, ...], Node, Node | None] | None:
        after = self._explained_after(pct, counts)
        if after is not None:
            return after
        part, cue = self._share_part(pct, counts)
        band = 2 * pct.step
        if part is not None and part.fact.denominator is not None:
            return self._fraction_share(part, pct, cue or "")
        if part is not None:
            wholes = [c for c in counts.in_blocks(pct.block - 3, pct.block)
                      if c is not part and _compatible(c, part) and c.value >= part.value]
            own = self._own_whole(part, counts)
            stated = self.whole_of.get(part.fact.id)
            ordered = ([own] if own is not None else []) + ([stated] if stated is not None else []) + \
                sorted(wholes, key=lambda c: (c.block != pct.block, abs(c.order - part.order)))
            tried = max(1, len(set(id(w) for w in ordered)))
            for whole in ordered:
                if share_matches(part.value, whole.value, pct):
                    chance = tried * band / 100
                    ev = [Evidence(kind="cue", detail=f"“{cue}” ties {written(pct.fact)} % to {written(part.fact)}"),
                          Evidence(kind="coincidence", detail=f"{tried} wholes tried", chance=round(chance, 6))]
                    if whole is own:
                        ev.insert(1, Evidence(kind="structure", detail="the whole is the clause's own total"))
                    f = self._share_finding(part, whole, pct, PASS, ev)
                    return f, self._template(part, own, pct), part, own
            if own is not None:
                got = 100.0 * part.value / own.value if own.value else float("nan")
                ev = [Evidence(kind="cue", detail=f"“{cue}” ties {written(pct.fact)} % to {written(part.fact)}"),
                      Evidence(kind="structure", detail="the whole is the clause's own total")]
                f = self._share_finding(part, own, pct, UNSURE, ev)
                f.why = why("share_mismatch")
                f.actual = round(got, 4)
                return f, self._template(part, own, pct), part, own
            return None
        # no cue: any part and whole of one family near the percentage (anywhere in the document
        # for a percentage with two decimals: a chance match is then a hundred times rarer)
        wide = (pct.fact.decimals or 0) >= 2
        if wide:
            near = counts.plain
            if counts.plain_pairs is None:
                counts.plain_pairs = _pair_count(near)
            tried = counts.plain_pairs      # counted first: a long report has millions of pairs
        else:
            near = [c for c in counts.in_blocks(pct.block - 2, pct.block + 1)
                    if c.fact.denominator is None]
            key = tuple(map(id, near))
            if key not in self.pair_counts:
                self.pair_counts[key] = _pair_count(near)
            tried = self.pair_counts[key]
        if not tried:
            return None
        chance = tried * band / 100
        if chance > CHANCE_BARE:
            return None
        pairs = [(a, b) for a in near for b in near if a is not b and _compatible(a, b) and a.value <= b.value]
        hits = [(a, b) for a, b in pairs if share_matches(a.value, b.value, pct)]
        if len(hits) != 1:
            return None
        a, b = hits[0]
        ev = [Evidence(kind="coincidence", detail=f"{tried} part/whole pairs tried", chance=round(chance, 6))]
        f = self._share_finding(a, b, pct, PASS, ev)
        return f, ("", "", ""), a, None  # type: ignore[return-value]

    def _explained_after(self, pct: Node, counts: _Placed
                         ) -> tuple[Finding, tuple[str, ...], Node, Node | None] | None:
        """A percentage followed by its own x/y ("đạt 47,8% (4.954.457/10.364.973)"), or by its
        whole ("chiếm 71,7% tổng số 6.287 thủ tục hành chính", the part before the share cue)."""
        nxt = counts.first_from(pct.fact.span[1])
        if nxt is None or nxt.sent != pct.sent:
            return None
        gap = self.g.between(pct.fact.span[1], nxt.fact.span[0])
        if nxt.fact.denominator is not None and re.fullmatch(r"\s*\(\s*", gap):
            return self._fraction_share(nxt, pct, "(x/y)")
        if _whole_after_re().fullmatch(gap):
            part, cue = self._share_part(pct, counts)
            if part is not None and part.fact.denominator is None:
                ok = share_matches(part.value, nxt.value, pct)
                ev = [Evidence(kind="cue", detail=f"“{cue}” ties the share to its part and "
                                                  f"“{gap.strip()}” names its whole")]
                f = self._share_finding(part, nxt, pct, PASS if ok else UNSURE, ev)
                if not ok:
                    f.why = why("whole_mismatch")
                return f, ("", "", ""), part, None
        return None

    def _fraction_share(self, part: Node, pct: Node, cue: str
                        ) -> tuple[Finding, tuple[str, ...], Node, Node | None]:
        """ "3.071 TTHC/4.888 TTHC (đạt 62,8%)", "40,62/80 điểm, đạt tỷ lệ 50,77%": x/y and its %."""
        den = float(part.fact.denominator or 0)
        ok = share_matches(part.value, den, pct)
        got = 100.0 * part.value / den if den else float("nan")
        status = PASS if ok else (FAIL if near_miss(got, pct.value) and not (part.approx or pct.approx
                                                                             or part.unsure or pct.unsure)
                                  else UNSURE)
        ev = [Evidence(kind="cue", detail=f"“{cue}” gives the share of {written(part.fact)}/{vi(den)}")]
        d = (pct.fact.decimals or 0) + 1
        mark = {PASS: ("≈", "✓"), FAIL: ("≠", "✗"), UNSURE: ("≠", "?")}[status]
        f = Finding("share", status, [part, pct], pct.value, round(got, 4), pct.tol,
                    f"{written(part.fact)} / {vi(den)} = {vi(got, d)} % {mark[0]} {written(pct.fact)} % {mark[1]}",
                    ev, self._scope_name(pct, [part]))
        if status is UNSURE:
            f.why = why("fraction_mismatch")
        return f, ("", "", ""), part, None

    def _own_whole(self, part: Node, counts: _Placed) -> Node | None:
        """The count of the same clause right before the part ("cấp huyện tiếp nhận 6.776 hồ sơ,
        với 2.521 hồ sơ trực tuyến"), of the same family and larger."""
        before = [c for c in counts.in_sentence(part.sent) if c.fact.span[1] <= part.fact.span[0]
                  and _compatible(c, part) and c.clause == part.clause and c.value >= part.value]
        if not before:
            return None
        whole = before[-1]
        gap = self.g.between(whole.fact.span[1], part.fact.span[0])
        return whole if _breakdown_re().search(gap) and len(gap) < 80 else None

    def _template(self, part: Node, whole: Node | None, pct: Node) -> tuple[str, str, str]:
        words = lambda a, b: re.sub(r"[\d.,%]+", "#", self.g.between(a, b)).strip().lower()  # noqa: E731
        head = words(whole.fact.span[1], part.fact.span[0]) if whole is not None else ""
        return (part.fam, head, words(part.fact.span[1], pct.fact.span[0]))

    def _share_finding(self, part: Node, whole: Node, pct: Node, status: CheckStatus,
                       ev: list[Evidence]) -> Finding:
        got = 100.0 * part.value / whole.value if whole.value else float("nan")
        ok = status is PASS
        d = (pct.fact.decimals or 0) + 1
        text = (f"{written(part.fact)} / {written(whole.fact)} = {vi(got, d)} % "
                f"{'≈' if ok else '≠'} {written(pct.fact)} % {'✓' if ok else '✗' if status is FAIL else '?'}")
        return Finding("share", status, [part, whole, pct], pct.value, round(got, 4),
                       pct.tol, text, ev, self._scope_name(pct, [part, whole]))

    def _judge_share_siblings(self, found: list[tuple[Finding, tuple[str, ...], Node, Node | None]]) -> None:
        """A share that misses while its siblings, written on the same template in the same block,
        hold: the template asserts it, so a near miss is an error."""
        by_template: dict[tuple[int, tuple[str, ...]], list[Finding]] = defaultdict(list)
        for f, template, part, own in found:
            if own is not None:
                by_template[(part.block, template)].append(f)
        for f, _, _, _ in found:
            self._emit(f)
        for group in by_template.values():
            passing = [f for f in group if f.status is PASS]
            for f in group:
                if f.status is not UNSURE or len(passing) < 2 or len(passing) * 2 < len(group):
                    continue
                nodes = f.facts
                if any(n.approx or n.unsure for n in nodes) or not near_miss(f.actual or 0, f.expected or 0):
                    continue
                f.status, f.why = FAIL, None
                f.explanation = f.explanation.replace("?", "✗")
                f.evidence.append(Evidence(kind="siblings", detail=f"{len(passing)} clauses on the same template hold"))

    # -- shares adding to 100 ------------------------------------------------------------------
    def complements(self) -> None:
        """Shares of one whole that add up to 100: two in a paragraph ("1,7% tổng số vốn" and
        "98,3% tổng vốn"), or a run of two to four that follow each other, the last one "the
        rest" ("khoảng 20% ...; ... là 61%; còn lại gần 19%"). Accepted when a complete facet
        split, one whole named after each share, or a remainder cue supports it, or the odds of
        a coincidence are small."""
        pcts = [n for n in self._prose() if n.fact.kind is FactKind.percentage
                and n.fact.denominator is None and not n.fact.change]
        by_block: dict[int, list[Node]] = defaultdict(list)
        for p in pcts:
            by_block[p.block].append(p)
        for group in by_block.values():
            tried = len(group) * (len(group) - 1) / 2 + max(0, len(group) - 2) * 2
            combos = [list(c) for c in itertools.combinations(group, 2)]
            combos += [group[i:i + k] for k in (3, 4) for i in range(len(group) - k + 1)]
            for shares in combos:
                if any(a.value >= 100 for a in shares):
                    continue
                total = sum(a.value for a in shares)
                tol = sum(a.tol for a in shares) + max(a.step for a in shares)
                if any(a.approx for a in shares):
                    tol = max(tol, 1.0)
                if abs(total - 100) > tol + 1e-9:
                    continue
                chance = tried * (2 * tol) / 100
                ev: list[Evidence] = []
                part = self._partition(shares)
                if part:
                    ev.append(Evidence(kind="partition", detail=f"the shares split {part} completely"))
                whole = {tuple(self._whole_named(a)) for a in shares}
                if len(whole) == 1 and () not in whole:
                    named = " ".join(next(iter(whole)))
                    ev.append(Evidence(kind="structure", detail=f"shares of one whole: «{named}»"))
                gap_from = max(shares[-2].fact.span[1], shares[-1].fact.span[0] - 30)
                if len(shares) > 2 and _remainder_re().search(self.g.text[gap_from:shares[-1].fact.span[0]]):
                    ev.append(Evidence(kind="cue", detail="the last share is the rest"))
                bound = CHANCE_STRUCTURED if ev else CHANCE_BARE
                if chance > bound:
                    continue
                ev.append(Evidence(kind="coincidence", detail="sets of shares in the paragraph",
                                   chance=round(chance, 6)))
                self._emit(Finding("shares_total", PASS, shares, 100.0, total, tol,
                                   f"{' % + '.join(written(a.fact) for a in shares)} % = {vi(total)} % "
                                   f"≈ 100 % ✓", ev, self._scope_name(shares[0], shares[1:])))

    def _whole_named(self, pct: Node) -> list[str]:
        """The whole written right after a share, in folded words: "1,7% tổng số vốn ĐTRNN" ->
        [von, dtrnn]; [] when none is."""
        m = _whole_after_re().match(self.g.text, pct.fact.span[1])
        if m is None or not re.search(rf"(?:{alternation(relation_words().whole_words)})",
                                      m.group(0), re.IGNORECASE):
            return []
        rest = re.match(r"[^\W\d]+(?:\s+[^\W\d]+){0,2}", self.g.text[m.end():m.end() + 40])
        words = _folded_words(rest.group(0)) if rest else []
        count_words = set(_folded_words(" ".join(cues().connectors["count_word"])))
        return [w for w in words if w not in count_words]

    # -- differences ---------------------------------------------------------------------------
    def differences(self) -> None:
        """A change against the levels it separates: "88,33%, cao hơn 1,71% so với năm 2022
        (86,62%)"; "giảm 53 cơ sở (từ 1.772 xuống 1.719)"; "2.429 cơ sở, tăng 113 cơ sở so với năm
        2018" with the 2018 level elsewhere (dated by its period); a percentage change of counts,
        "2.303 cơ sở, tăng 5,8% so với năm 2010" = (2.303 − 2.176) / 2.176; and an absolute
        change with its rate, "tăng 3,8 triệu người (tương ứng 33,9%)"."""
        nodes = self._prose()
        for d in nodes:
            if not d.fact.change:
                continue
            if self._from_to(d, nodes) or self._change_rate(d, nodes):
                continue
            year = self._reference_year(d) or self._sentence_reference_year(d)
            same_sent = [n for n in nodes if not n.fact.change and n.sent == d.sent]
            nows = [n for n in same_sent if n.fact.span[1] <= d.fact.span[0]][::-1]
            for now in nows:
                levels = [n for n in nodes if n.fam == now.fam and not n.fact.change and n is not now]
                after = [n for n in levels if n.fact.span[0] >= d.fact.span[1] and n.sent == d.sent]
                dated = sorted((n for n in levels if year is not None and n.fact.period is not None
                                and n.fact.period.year == year),
                               key=lambda n: abs(n.order - d.order))
                # the level in the same place of the earlier year's sentence ("Năm 2010, có
                # 2.176 cơ sở ..." for "Năm 2011, có 2.303 cơ sở ..., tăng 5,8% so với năm 2010")
                parallel = [n for n in dated if self._place_in_sentence(n) == self._place_in_sentence(now)]
                thens = ([after[0]] if after else []) + dated[:2] + parallel[:1]
                if any(self._difference(now, then, d) for then in thens):
                    break
            else:
                self._growth_unexplained(d, nows, nodes, year)

    def _growth_unexplained(self, d: Node, nows: list[Node], nodes: list[Node], year: int | None) -> None:
        """A growth rate "so với năm 2010" that the levels of its sentence and of the 2010
        sentence written on the same template do not give: unverifiable, with both levels, for a
        reviewer (another base year may be meant)."""
        if d.fact.kind is not FactKind.percentage or year is None:
            return
        for now in nows:
            if self._place_in_sentence(now) != 0 or now.fact.kind is FactKind.percentage:
                continue
            then = next((n for n in nodes if n.fam == now.fam and not n.fact.change and n is not now
                         and n.fact.period is not None and n.fact.period.year == year
                         and self._place_in_sentence(n) == 0), None)
            if then is None or then.value <= 0 or \
                    _folded_words(now.fact.label or "")[:3] != _folded_words(then.fact.label or "")[:3]:
                return   # not the same measure written on one template
            got = 100.0 * (now.value - then.value) / then.value
            if (got > 0) != (d.fact.change == "increase"):
                return
            ev = [Evidence(kind="structure", detail=f"the first level of the sentence and of the {year} sentence")]
            self._emit(Finding("difference", UNSURE, [now, then, d], d.value, round(got, 4), d.tol,
                               f"({written(now.fact)} − {written(then.fact)}) / {written(then.fact)} = "
                               f"{vi(got, (d.fact.decimals or 0) + 1)} % ≠ {written(d.fact)} % ?", ev, "blocks",
                               why=why("growth_mismatch")))
            return

    def _from_to(self, d: Node, nodes: list[Node]) -> bool:
        """ "giảm 53 cơ sở (từ 1.772 xuống 1.719)": the two levels follow the change."""
        m = re.match(rf"\s*{re.escape(d.fact.unit or '')}\s*\(\s*(?:{words_re('range_start')})\s",
                     self.g.text[d.fact.span[1]:d.fact.span[1] + 40], re.IGNORECASE)
        if m is None:
            return False
        close = self.g.text.find(")", d.fact.span[1])
        inside = [n for n in nodes if d.fact.span[1] < n.fact.span[0] < close and not n.fact.change]
        return len(inside) == 2 and self._difference(inside[1], inside[0], d)

    def _change_rate(self, d: Node, nodes: list[Node]) -> bool:
        """A percentage change of a count level, or a rate that follows an absolute change."""
        if d.fact.kind is FactKind.percentage:
            return False   # judged against its levels in differences() below via _growth
        pct = next((n for n in nodes if n.fact.kind is FactKind.percentage and n.sent == d.sent
                    and 0 < n.fact.span[0] - d.fact.span[1] < 60), None)
        if pct is None or not re.search(rf"(?:{alternation(cues().share_cues)})\s*$",
                                        self.g.text[d.fact.span[1]:pct.fact.span[0]].rstrip(" ("),
                                        re.IGNORECASE):
            return False
        now = next((n for n in reversed(nodes) if n.fam == d.fam and not n.fact.change
                    and n.sent == d.sent and n.fact.span[1] <= d.fact.span[0]), None)
        if now is None:
            return False
        base = now.value - d.value if d.fact.change == "increase" else now.value + d.value
        if base <= 0 or not percent_matches(100.0 * d.value / base, pct):
            return False
        ev = [Evidence(kind="cue", detail="a change and the rate the text gives for it")]
        self._emit(Finding("difference", PASS, [now, d, pct], pct.value, round(100.0 * d.value / base, 4),
                           pct.tol, f"{written(d.fact)} / ({written(now.fact)} "
                           f"{'−' if d.fact.change == 'increase' else '+'} {written(d.fact)}) = "
                           f"{vi(100.0 * d.value / base, (pct.fact.decimals or 0) + 1)} % ≈ {written(pct.fact)} % ✓",
                           ev, "sentence"))
        return True

    def _reference_year(self, d: Node) -> int | None:
        m = re.match(rf"[^.;]{{0,30}}?(?:{alternation(relation_words().change_reference)})\s*(\d{{4}})",
                     self.g.text[d.fact.span[1]:d.fact.span[1] + 60], re.IGNORECASE)
        return int(m.group(1)) if m else None

    def _sentence_reference_year(self, d: Node) -> int | None:
        """The year a sentence measures its changes from, named before them: "tăng mạnh ... so
        với năm 2015 (...), cụ thể: năm 2016 có 72,6 triệu lượt (tăng 28,7%)"."""
        start = self.g.sent_ends[d.sent - 1] + 1 if d.sent > 0 else 0
        found = list(re.finditer(rf"(?:{alternation(relation_words().change_reference)})\s*(\d{{4}})",
                                 self.g.text[start:d.fact.span[0]], re.IGNORECASE))
        return int(found[-1].group(1)) if found else None

    def _place_in_sentence(self, n: Node) -> int:
        """How many figures of the node's family come before it in its sentence."""
        return sum(1 for m in self.g.nodes if m.sent == n.sent and m.fam == n.fam and m.order < n.order
                   and not m.fact.change)

    def _difference(self, now: Node, then: Node, d: Node) -> bool:
        if d.fact.kind is FactKind.percentage and now.fact.kind is not FactKind.percentage:
            return self._growth(now, then, d)
        if now.fam != d.fam:
            return False
        sign = 1 if d.fact.change == "increase" else -1
        if d.fact.kind is FactKind.rank:
            sign = -sign  # rising in a ranking lowers the position number
        got = now.value - then.value
        tol = now.tol + then.tol + d.tol
        if abs(got - sign * d.value) > tol + 1e-9:
            return False
        ev = [Evidence(kind="cue", detail="a change between a level and the earlier level it names")]
        self._emit(Finding("difference", PASS, [now, then, d], d.value * sign, round(got, 6), tol,
                           f"{written(now.fact)} − {written(then.fact)} = {vi(got)} ≈ "
                           f"{'+' if sign > 0 else '−'}{written(d.fact)} ✓", ev,
                           "sentence" if then.sent == now.sent else "blocks"))
        return True

    def _growth(self, now: Node, then: Node, d: Node) -> bool:
        """ "tăng 5,8% so với năm 2010": (now − then) / then, rounded or truncated."""
        if then.value <= 0 or now.fam != then.fam:
            return False
        got = 100.0 * (now.value - then.value) / then.value
        sign = 1 if d.fact.change == "increase" else -1
        if sign * got < 0 or not percent_matches(abs(got), d):
            return False
        ev = [Evidence(kind="cue", detail="a growth rate between a level and the earlier level it names")]
        self._emit(Finding("difference", PASS, [now, then, d], d.value * sign, round(got, 4), d.tol,
                           f"({written(now.fact)} − {written(then.fact)}) / {written(then.fact)} = "
                           f"{vi(got, (d.fact.decimals or 0) + 1)} % ≈ {'+' if sign > 0 else '−'}"
                           f"{written(d.fact)} % ✓", ev, "sentence" if then.sent == now.sent else "blocks"))
        return True

    # -- footnotes -----------------------------------------------------------------------------------
    def footnotes(self) -> None:
        """Figures followed by a footnote marker ("... đơn giản hóa 87 TTHC, bãi bỏ 6 TTHC và cắt
        giảm 12 ĐKKD[4]") broken down in the footnote ("[4] Gồm: (i) Bộ Công Thương - 01 Nghị
        định (đơn giản hóa 01 TTHC); ..."): each figure is the sum of the footnote's figures of
        its family that carry its facet (all of them for a total, "Tổng số ..."). A footnote
        that opens with a complete-list cue ("Gồm", "Cụ thể") asserts the sum: a near miss fails."""
        text = self.g.text
        prose = self._prose()
        starts = [n.fact.span[0] for n in prose]   # nondecreasing: the nodes are in span order

        def starting(lo: int, hi: int) -> list[Node]:   # the nodes starting in [lo, hi)
            return prose[bisect_left(starts, lo):bisect_left(starts, hi)]

        blocks = self.doc.blocks
        for note in self.doc.footnotes:
            note_start = blocks[note.block].span[0] + len(f"[{note.label}]")
            last = note.block
            while last + 1 < len(blocks) and blocks[last + 1].kind is BlockKind.footnote \
                    and blocks[last + 1].footnote is None:
                last += 1   # the note's further paragraphs
            note_end = blocks[last].span[1]
            parts_pool = [n for n in starting(note_start, note_end)
                          if n.fact.kind in (FactKind.count, FactKind.amount)]
            if len(parts_pool) < 2:
                continue
            complete = re.match(rf"\s*(?:{alternation(relation_words().complete_list_cues)})(?!\w)",
                                text[note_start:note_start + 30], re.IGNORECASE) is not None
            for mark_start, _ in note.markers:
                lo = max(0, mark_start - 600)   # the sentence of the marker, list items "(1) ... (2)" included
                ends = [m.end() for m in re.finditer(r"[.!?](?=\s)|\[\d{1,3}\]", text[lo:mark_start])]
                start = lo + (ends[-1] if ends else 0)
                body = [n for n in starting(start, mark_start)
                        if n.fact.kind in (FactKind.count, FactKind.amount)]
                for b in body:
                    self._footnote_sum(b, parts_pool, start, note_start, complete, note.label)

    def _facet_before(self, n: Node, lo: int, cut: str) -> tuple[set[tuple[str, str]], bool]:
        """The facet values named right before a figure (back to the previous figure or a
        ``cut`` character), and whether a whole word ("Tổng số") is among them."""
        window = self.g.text[max(lo, n.fact.span[0] - 80):n.fact.span[0]]
        window = re.split(r"\d", window)[-1]
        window = re.split(f"[{cut}]", window)[-1]
        window = " ".join(window.split())
        values = {(name, v) for name, vals in facets_of(window).items() for v in vals}
        return values, _whole_re().search(window) is not None

    def _footnote_sum(self, total: Node, pool: list[Node], lo: int, note_start: int, complete: bool,
                      k: str) -> None:
        unit = (total.fact.unit or "").lower()
        kind = next((u for u in relation_words().unit_kinds if unit in {n.lower() for n in u.names}), None)
        if kind is not None and total.fact.kind is FactKind.count:
            # "13 văn bản" = the note's Nghị định, Thông tư, Quyết định ...
            members = {m.lower() for m in kind.members}
            self._judge_note_sum(total, [p for p in pool if (p.fact.unit or "").lower() in members
                                         and p.fact.kind is FactKind.count], complete, k)
            return
        facet, whole = self._facet_before(total, lo, ";:(")
        if not facet and not whole:
            return
        parts: list[Node] = []
        for p in pool:
            if not _compatible(total, p) or p.value > total.value + total.tol:
                continue   # ("cắt giảm 12 ĐKKD" reads as a change: the note's cuts are its parts)
            if whole or len(facet) > 1:
                parts.append(p)
                continue
            own, _ = self._facet_before(p, note_start, ";:,")   # "cắt giảm (bãi bỏ) 248 TTHC": both
            if own & facet:
                parts.append(p)
        self._judge_note_sum(total, parts, complete, k)

    def _judge_note_sum(self, total: Node, parts: list[Node], complete: bool, k: str) -> None:
        if len(parts) < 2:
            return
        ok = holds_sum(total, parts)
        got = sum(p.value for p in parts)
        reason: str | None = None
        if ok:
            status = PASS
        elif near_miss(got, total.value) and not (total.approx or total.unsure
                                                  or any(p.approx or p.unsure for p in parts)):
            status, reason = (FAIL, None) if complete else (UNSURE, "partial_list")
        else:
            return
        ev = [Evidence(kind="structure", detail=f"the parts are listed in footnote [{k}]"
                                                + (" as a complete list" if complete else ""))]
        self._emit(Finding("sum", status, [total, *parts], total.value, got,
                           total.tol + sum(p.tol for p in parts), _sum_text(total, parts, status),
                           ev, "document", why=why(reason) if reason else None))

    # -- counts of listed items ---------------------------------------------------------------------
    def item_counts(self) -> None:
        """A count of what a table lists: "29/42 Bộ, cơ quan trung ương" in the text and a table
        section headed "I. BỘ, CƠ QUAN TRUNG ƯƠNG" with 29 rows. The counted words must open with
        the section's name (compared without diacritics, which OCR often gets wrong), so the
        match is the name and the number at once: passes only, since a scan can lose a row."""
        sections: list[tuple[list[str], int, str]] = []
        for b in self.doc.blocks:
            view = self.views.of(b)
            for name, rows in view.sections() if view is not None else []:
                words = _folded_words(_ROW_NUMBER.sub("", name))
                if sum(map(len, words)) >= 6:
                    sections.append((words, len(rows), name))
        if not sections:
            return
        for n in self._prose():
            if n.fact.kind is not FactKind.count or n.value < 2 or n.value != int(n.value):
                continue
            after = _folded_words(_DENOMINATOR.sub("", self.g.text[n.fact.span[1]:n.fact.span[1] + 120], 1))
            if after[:1] and after[0] in _folded_words(" ".join(cues().connectors["plural_markers"])):
                after = after[1:]
            for words, size, name in sections:
                if size == n.value and after[:len(words)] == words:
                    ev = [Evidence(kind="structure", detail=f"{size} rows under «{name}»")]
                    self._emit(Finding("items", PASS, [n], float(size), n.value, 0.0,
                                       f"{written(n.fact)} = {size} rows under «{name}» ✓", ev, "document"))
                    break

    # -- tables ----------------------------------------------------------------------------------
    def table_patterns(self) -> None:
        cells: dict[int, dict[tuple[int, int], Node]] = defaultdict(dict)
        for n in self.g.nodes:
            if n.cell is not None and not n.unsure:
                cells[n.block][n.cell] = n
        for block, grid in cells.items():
            TablePatterns(self, block, grid).run()
        self._table_pairs(cells)

    def _table_pairs(self, cells: dict[int, dict[tuple[int, int], Node]]) -> None:
        """Two tables close together whose rows have the same names (the same years, the same
        places) may split one table's column into the other's: "Tổng số hộ quản lý" of one
        table = "Số hộ quản lý" under "khoán" + under "kê khai" of the next. Their rows are
        joined by name and only sums with the total in one table and the parts in the other
        are tried."""
        blocks = sorted(cells)
        for a, b in itertools.combinations(blocks, 2):
            if b - a > MAX_TABLE_GAP:
                continue
            keys_a, keys_b = self._row_keys(a, cells[a]), self._row_keys(b, cells[b])
            shared = [k for k in keys_a if k in keys_b]
            if len(shared) < 3:
                continue
            grid: dict[tuple[int, int], Node] = {}
            for key in shared:
                ra, rb = keys_a[key], keys_b[key]
                grid.update({(ra, c): n for (r, c), n in cells[a].items() if r == ra})
                grid.update({(ra, c + PAIR_OFFSET): n for (r, c), n in cells[b].items() if r == rb})
            patterns = TablePatterns(self, a, grid, across=True)
            patterns.rows = defaultdict(dict)
            for (r, c), n in grid.items():
                patterns.rows[r][c] = n
            patterns.dashes = set()
            patterns.column_sums(patterns.rows)

    def _row_keys(self, block: int, grid: dict[tuple[int, int], Node]) -> dict[str, int]:
        """Row name -> row of a table's figure rows, for rows whose names are unique."""
        view = self.views.of(self.doc.blocks[block])
        if view is None:
            return {}
        names: Counter_[str] = Counter_()
        out: dict[str, int] = {}
        for r in sorted({r for r, _ in grid}):
            key = " ".join(view.names_by_column(r).values()).lower()
            if key:
                names[key] += 1
                out[key] = r
        return {k: r for k, r in out.items() if names[k] == 1}


@dataclass
class TablePatterns:
    """Columns that add up in most rows, % columns, and total rows against the rows they total."""

    finder: RelationFinder
    block: int
    grid: dict[tuple[int, int], Node]
    across: bool = False            # two tables joined by row names: totals in one, parts in the other

    def run(self) -> None:
        rows: dict[int, dict[int, Node]] = defaultdict(dict)
        for (r, c), n in self.grid.items():
            rows[r][c] = n
        self.rows = rows
        table = self.finder.doc.blocks[self.block].table
        self.dashes = {(c.row, c.col) for c in (table.cells if table else [])
                       if c.text.strip() in ("-", "–", "—")}   # "none" in a figure column: zero
        self.column_sums(rows)
        self.column_shares(rows)
        self.total_rows(rows)

    def _pattern(self, rows: list[dict[int, Node]], chosen: int, a: int, g: tuple[int, ...]
                 ) -> tuple[int, int] | None:
        """(rows where the sum holds, rows where it holds with two non-zero parts), when it holds
        in most rows and non-trivially in three; None otherwise (decided early on a bad start).
        The rows are those of ``rows`` whose bits ``chosen`` sets, in order; each row's total is
        its figure in column ``a``, its parts its figures in ``g``."""
        n = chosen.bit_count()
        if n < 3:
            return None
        allowed = n - (8 * n + 9) // 10      # rows that may miss
        holding = support = missed = 0
        while chosen:
            low = chosen & -chosen
            chosen ^= low
            r = rows[low.bit_length() - 1]
            t = r[a]
            got = 0.0
            tol = t.tol
            nonzero = 0
            approx = t.approx
            for k in g:
                p = r.get(k)
                if p is not None:
                    got += p.value
                    tol += p.tol
                    nonzero += p.value != 0
                    approx = approx or p.approx
            if abs(got - t.value) <= tol + 1e-9 or (approx and holds_sum(t, [r[k] for k in g if k in r])):
                holding += 1
                support += nonzero >= 2
            else:
                missed += 1
                if missed > allowed:
                    return None
        if support < 3:
            return None
        return holding, support

    def _emit_pattern(self, checks: list[tuple[Node, list[Node]]], detail: str,
                      others: list[list[tuple[Node, list[Node]]]], declared: bool = False) -> None:
        """Judge every row of the pattern: pass where it holds, fail where a row misses and no
        other pattern of the same column holds there — by a little, or by any amount when the
        column's header declares it a total ("Tổng số") and every other row holds."""
        holding = sum(holds_sum(t, ps) for t, ps in checks)
        explained = {id(t) for other in others for t, ps in other if holds_sum(t, ps)}
        strict = declared and holding == len(checks) - 1 and holding >= 5
        for total, parts in checks:
            ok = holds_sum(total, parts)
            got = sum(p.value for p in parts)
            if not ok and (not (near_miss(got, total.value) or strict or repairable(total, parts))
                           or total.approx or id(total) in explained or any(p.approx for p in parts)):
                continue
            shown = [p for p in parts if p.value] if ok else parts
            if ok and len(shown) < 2:
                continue
            status = PASS if ok else FAIL
            ev = [Evidence(kind="table", detail=f"{detail}: holds in {holding} of {len(checks)} rows")]
            self.finder._emit(Finding("sum", status, [total, *shown], total.value, got,
                                      total.tol + sum(p.tol for p in parts),
                                      _sum_text(total, shown, status), ev, "table"))

    def column_sums(self, rows: dict[int, dict[int, Node]]) -> None:
        """A column that is the sum of other columns in most rows: a contiguous group of columns
        (Tổng = Luật + Nghị định + ...), any two columns, or the same place in two groups of
        columns (the "Tổng số" group = the first group + the second). Of the patterns of one
        total column, the one that holds in most rows is judged."""
        summable = (FactKind.count, FactKind.amount, FactKind.score)
        not_numeric = {k for r in rows.values() for k, n in r.items() if n.fact.kind not in summable}
        numeric = sorted({c for r in rows.values() for c in r} - not_numeric)
        by_total: dict[int, list[tuple[tuple[int, int], str, list[tuple[Node, list[Node]]]]]] = defaultdict(list)
        # the rows as bits (bit i: the i-th row of ``rows``): per column the rows that have a
        # figure there, the rows with a dash there, and the rows whose figure there is of one
        # measure (``_measure``), so that the rows a pattern is tried on are found with a few
        # operations on integers instead of a pass over the rows per pattern
        row_list = list(rows.items())
        table = [r for _, r in row_list]
        index = {row_no: i for i, (row_no, _) in enumerate(row_list)}
        present: dict[int, int] = defaultdict(int)
        by_measure: dict[int, dict[tuple[FactKind, str | None], int]] = defaultdict(dict)
        for i, (_, r) in enumerate(row_list):
            bit = 1 << i
            for k, n in r.items():
                present[k] |= bit
                m = _measure(n)
                by_measure[k][m] = by_measure[k].get(m, 0) | bit
        few = {c: bits.bit_count() < 3 for c, bits in present.items()}   # a total in under 3 rows
        dashed: dict[int, int] = defaultdict(int)
        for row_no, k in self.dashes:
            at = index.get(row_no)
            if at is not None:
                dashed[k] |= 1 << at

        def consider(a: int, g: tuple[int, ...], contiguous: bool) -> None:
            if few[a] or self.across and any((k >= PAIR_OFFSET) == (a >= PAIR_OFFSET) for k in g):
                return
            # the rows with a figure in column a and in or a dash under every column of g,
            # a figure in one of g at least, and every figure of g of a's measure
            usable = present[a]
            some = 0
            for k in g:
                usable &= present[k] | dashed[k]
                some |= present[k]
            usable &= some
            if not usable:
                return
            chosen = 0
            for m, bits in by_measure[a].items():
                hit = bits & usable
                for k in g:
                    if not hit:
                        break
                    hit &= by_measure[k].get(m, 0) | ~present[k]
                chosen |= hit
            found = self._pattern(table, chosen, a, g)
            if found is not None:
                checks = []
                while chosen:
                    low = chosen & -chosen
                    chosen ^= low
                    r = table[low.bit_length() - 1]
                    checks.append((r[a], [r[k] for k in g if k in r]))
                detail = f"column {a + 1} = columns {g[0] + 1}–{g[-1] + 1}" if contiguous else \
                    f"column {a + 1} = column {g[0] + 1} + column {g[1] + 1}"
                by_total[a].append((found, detail, checks))

        run: dict[int, int] = {}    # column -> how many numeric columns follow on from it
        for c in reversed(numeric):
            run[c] = run.get(c + 1, 0) + 1
        for a in numeric:
            for width in range(2, max(3, len(numeric))):
                for start in numeric:
                    if run[start] >= width and not start <= a < start + width:
                        consider(a, tuple(range(start, start + width)), True)
            for b, c in itertools.combinations([x for x in numeric if x != a], 2):
                if c != b + 1:      # two neighbours were tried as a group of width 2
                    consider(a, (b, c), False)
        for width in range(2, 7):
            starts = [s for s in numeric if run[s] >= width]
            # three groups [s, s + width) that do not overlap (starts at least width apart), the
            # second before the third; in the order of itertools.permutations(starts, 3)
            for t in starts:
                for x in starts:
                    if abs(t - x) < width:
                        continue
                    for y in starts:
                        if y < x + width or abs(t - y) < width:
                            continue
                        for k in range(width):
                            consider(t + k, (x + k, y + k), False)
        view = self.finder.views.of(self.finder.doc.blocks[self.block]) if by_total else None
        for a, patterns in by_total.items():
            patterns.sort(key=lambda p: (-p[0][0], -p[0][1], -len(p[2][0][1])))
            (_, detail, checks), rest = patterns[0], patterns[1:]
            declared = view is not None and any(_whole_re().match(h) for h in view.header_path(a))
            self._emit_pattern(checks, detail, [c for _, _, c in rest], declared)

    def column_shares(self, rows: dict[int, dict[int, Node]]) -> None:
        """A % column = column x / column y in most rows; each row is judged against the best
        such pair, and passes if another pair that also holds in most rows explains it."""
        cols = sorted({c for r in rows.values() for c in r})
        pct_cols = [c for c in cols if all(n.fact.kind is FactKind.percentage
                                           for r in rows.values() for k, n in r.items() if k == c)]
        for p in pct_cols:
            patterns: list[tuple[float, int, int, list[tuple[Node, Node, Node]], list[bool]]] = []
            for x, y in itertools.permutations([c for c in cols if c not in pct_cols], 2):
                checks = [(r[x], r[y], r[p]) for r in rows.values() if all(c in r for c in (x, y, p))
                          and r[x].fam == r[y].fam]
                if len(checks) < 3:
                    continue
                holding = [share_matches(a.value, b.value, q) for a, b, q in checks]
                informative = sum(h and a.value != b.value for h, (a, b, _) in zip(holding, checks))
                if informative >= 2 and sum(holding) * 10 >= 8 * len(checks):
                    patterns.append((sum(holding) / len(checks), x, y, checks, holding))
            if not patterns:
                continue
            patterns.sort(key=lambda t: -t[0])
            _, x, y, checks, holding = patterns[0]
            explained = {id(q) for _, _, _, c2, h2 in patterns[1:] for (_, _, q), ok2 in zip(c2, h2) if ok2}
            for (a, b, q), ok in zip(checks, holding):
                if not ok and id(q) in explained:
                    continue  # another pattern of this column explains the row
                got = 100.0 * a.value / b.value if b.value else float("nan")
                if not ok and not (near_miss(got, q.value) and abs(got - q.value) >= 2 * q.step):
                    continue
                status = PASS if ok else FAIL
                ev = [Evidence(kind="table", detail=f"column {p + 1} = column {x + 1} / column {y + 1}: "
                                                    f"holds in {sum(holding)} of {len(checks)} rows")]
                f = self.finder._share_finding(a, b, q, status, ev)
                f.scope = "table"
                self.finder._emit(f)

    def total_rows(self, rows: dict[int, dict[int, Node]]) -> None:
        """A total row against the rows it totals. A total in the name column ("Tổng số") totals
        the rows of its group with the same sub-row name ("Đã thực thi"); a total sub-row
        ("Bộ Công an | Tổng") totals the other sub-rows of its name."""
        block = self.finder.doc.blocks[self.block]
        view = self.finder.views.of(block)   # the text only gives a declared unit, unused here
        if view is None:
            return
        first_col = min((c for r in rows.values() for c in r), default=0)
        names = {r: {k: v for k, v in view.names_by_column(r).items() if k < first_col} for r in rows}
        groups = view.group_of_rows()
        for tr, own in names.items():
            done: set[str] = set()
            for k, name in own.items():
                if not is_total_label(name) or name in done:
                    continue
                # the rows it totals: a name that is no total in its column; in the other name
                # columns the same names, or totals where it has totals (the same sub-row); in
                # its group. A total name over several columns is tried at each.
                members = [r for r, other in names.items() if r != tr and groups.get(r) == groups.get(tr)
                           and other.get(k) and not is_total_label(other[k])
                           and all((is_total_label(other.get(j, "")) if is_total_label(v) else other.get(j) == v)
                                   for j, v in own.items() if j != k and v != name)]
                if members:
                    done.add(name)
                    self._total_row(rows, tr, members)

    def _total_row(self, rows: dict[int, dict[int, Node]], tr: int, members: list[int]) -> None:
        for c, total in rows[tr].items():
            parts = [rows[r][c] for r in sorted(members) if c in rows[r]]
            if len(parts) < 2 or any(not _same_measure(p, total) for p in parts):
                continue
            ok = holds_sum(total, parts)
            got = sum(p.value for p in parts)
            if not ok and (not (near_miss(got, total.value) or repairable(total, parts)) or total.approx):
                continue
            shown = [p for p in parts if p.value] if ok else parts
            if ok and len(shown) < 2:
                continue   # "7 = 7": a total of one non-zero row says nothing
            status = PASS if ok else FAIL
            ev = [Evidence(kind="table", detail="a total row against the rows it totals")]
            self.finder._emit(Finding("sum", status, [total, *shown], total.value, got,
                                      total.tol + sum(p.tol for p in parts),
                                      _sum_text(total, shown, status), ev, "table"))


_ROW_NUMBER = re.compile(r"^\s*(?:[IVXLC]{1,5}|\d{1,3})[.)]?\s+")
_DENOMINATOR = re.compile(r"^\s*/\s*\d+")


def _folded_words(text: str) -> list[str]:
    from baocao.extractor.vocab import fold
    return re.findall(r"\w+", fold(text))


def _compatible(a: Node, b: Node) -> bool:
    """One family, or a generic count ("đơn vị") beside any count."""
    return a.fam == b.fam or (a.fam.startswith("count:") and b.fam.startswith("count:")
                              and "count:*" in (a.fam, b.fam))


def _pair_count(nodes: list[Node]) -> int:
    """How many (part, whole) pairs of ``nodes`` a share could be: ``len([(a, b) for a in nodes
    for b in nodes if a is not b and _compatible(a, b) and a.value <= b.value])``, counted in
    n log n with the values of each family sorted instead of building every pair."""
    if len({id(n) for n in nodes}) != len(nodes) or any(math.isnan(n.value) for n in nodes):
        return sum(1 for a in nodes for b in nodes
                   if a is not b and _compatible(a, b) and a.value <= b.value)
    by_fam: dict[str, list[float]] = defaultdict(list)
    for n in nodes:
        by_fam[n.fam].append(n.value)
    for values in by_fam.values():
        values.sort()
    generic = by_fam.get("count:*", [])
    counted = sorted(v for fam, values in by_fam.items() if fam.startswith("count:")
                     and fam != "count:*" for v in values)

    def at_least(values: list[float], x: float) -> int:
        return len(values) - bisect_left(values, x)

    total = 0
    for a in nodes:
        total += at_least(by_fam[a.fam], a.value) - 1          # not a itself
        if a.fam == "count:*":
            total += at_least(counted, a.value)
        elif a.fam.startswith("count:"):
            total += at_least(generic, a.value)
    return total


def _measure(n: Node) -> tuple[FactKind, str | None]:
    """What must agree for cells to add up: the kind, and for an amount its currency. Cells of
    one table may add up across columns whose headers name different counted things ("Luật",
    "Nghị định" under "Văn bản")."""
    return n.fact.kind, n.fact.unit if n.fact.kind is FactKind.amount else None


def _same_measure(a: Node, b: Node) -> bool:
    return _measure(a) == _measure(b)


def find_relations(ex: Extraction, doc: Document, existing: list[Check]) -> list[Check]:
    """The relations the cue rules did not find, as checks numbered after theirs."""
    findings = RelationFinder(ex, doc, existing).run()
    start = len(existing)
    return [f.check(f"c{start + i + 1}") for i, f in enumerate(findings)]
