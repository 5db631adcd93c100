"""Checks: every relation the document claims between its figures, recomputed.

Relations are found from the text (breakdown cues, parentheses, share cues), the footnotes
(a marker on a total whose note says "Trong đó: ..."), the outline ("... cụ thể như sau:"
followed by numbered fields) and the catalog (a framework's maxima). Each check shows its
arithmetic in Vietnamese number style and is ``pass``, ``fail`` or ``unverifiable``; a check
is only ``fail`` when the relation itself is certain: a false alarm costs a reviewer more than
a missed one.

Rules (``Check.rule``): sum, subset, share, shares_total, points, components, maxima,
difference, enumeration, bound, date_after_document, deadline_before_document,
catalog_maximum, rank_pool.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cache, lru_cache

from baocao.extractor.arith import close, half_unit, num, sum_tolerance, typo_of, vi, written
from baocao.extractor.catalog import frameworks, lookup, match_indicator
from baocao.extractor.vocab import cues, why, words_re
from baocao.schemas.document import Block, BlockKind, Document, Section
from baocao.schemas.extraction import Check, CheckStatus, Evidence, Extraction, Fact, FactKind

PASS, FAIL, UNSURE = CheckStatus.passed, CheckStatus.failed, CheckStatus.unverifiable
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")
_NON_SPACE = re.compile(r"\S")
_TOTALS = (FactKind.count, FactKind.score)
# Qualifiers that make a figure vague (an estimate, "ước đạt 65,7", is a precise provisional figure)
_VAGUE = {"about", "more_than", "less_than", "range"}   # "tối đa 100 điểm" is an exact maximum


@cache
def _family_of() -> dict[str, str]:
    out: dict[str, str] = {}
    for family in cues().unit_families:
        for unit in family:
            out[unit.lower()] = family[0].lower()
    return out


def _connectors(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in cues().connectors[name])


def family(f: Fact) -> str:
    return _family(f.kind, f.unit)


@lru_cache(maxsize=4096)
def _family(kind: FactKind, unit: str | None) -> str:
    unit = (unit or "").lower()
    return f"{kind.value}:{_family_of().get(unit, unit)}"


@cache
def _cue_re(name: str) -> re.Pattern[str]:
    words = getattr(cues(), name)
    alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alt})(?!\w)", re.IGNORECASE)


@dataclass
class _Relation:
    whole: Fact
    parts: list[Fact]


@dataclass
class Checker:
    ex: Extraction
    doc: Document
    out: list[Check] = field(default_factory=list)
    wholes: dict[str, _Relation] = field(default_factory=dict)   # part id -> its relation
    seen: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.text = self.ex.text
        self.facts = sorted(self.ex.facts, key=lambda f: f.span)
        self._starts = [f.span[0] for f in self.facts]
        self._families = {id(f): family(f) for f in self.facts}   # the facts are not changed here
        self._by_id: dict[str, Fact] = {}
        self._by_block: dict[int, list[Fact]] = {}    # in span order, as self.facts
        for f in self.facts:
            self._by_id.setdefault(f.id, f)
            self._by_block.setdefault(f.location.block, []).append(f)

    def family(self, f: Fact) -> str:
        """``family(f)``, computed once per fact."""
        got = self._families.get(id(f))
        return got if got is not None else family(f)

    # -- plumbing ------------------------------------------------------------------------
    def add(self, rule: str, status: CheckStatus, facts: list[Fact], explanation: str,
            expected: float | str | None = None, actual: float | str | None = None,
            tolerance: float | None = None, reason: str | None = None) -> None:
        key = (rule, tuple(sorted(f.id for f in facts)))
        if key in self.seen:
            return
        self.seen.add(key)
        evidence = [Evidence(kind="cue", detail=f"cue rule: {rule}")]
        self.out.append(Check(id=f"c{len(self.out) + 1}", rule=rule, status=status,
                              facts=[f.id for f in facts], expected=expected, actual=actual,
                              tolerance=tolerance, explanation=explanation, evidence=evidence,
                              why=(reason or why("default")) if status is UNSURE else None))

    def block_of(self, f: Fact) -> Block:
        return self.doc.blocks[f.location.block]

    def facts_in(self, start: int, end: int) -> list[Fact]:
        """Facts lying inside [start, end), by bisection over the sorted starts."""
        out: list[Fact] = []
        facts = self.facts
        for i in range(bisect_left(self._starts, start), len(facts)):   # no copy of the tail
            f = facts[i]
            if f.span[0] >= end:
                break
            if f.span[1] <= end:
                out.append(f)
        return out

    def in_parens(self, start: int, pos: int) -> bool:
        between = self.text[start:pos]
        return between.count("(") > between.count(")")

    def sentence_end(self, pos: int, limit: int) -> int:
        m = _SENTENCE_END.search(self.text, pos, limit)
        return m.start() if m else limit

    def run(self) -> list[Check]:
        for step in (self.inline_breakdowns, self.footnote_breakdowns, self.outline_breakdowns,
                     self.list_breakdowns, self.table_components, self.of_total, self.shares,
                     self.complements, self.points,
                     self.differences, self.enumerations, self.bounds, self.dates,
                     self.catalog_maxima, self.rank_pools):
            step()
        return self.out

    # -- breakdowns ------------------------------------------------------------------------
    def sum_check(self, total: Fact, candidates: list[Fact], explicit: list[Fact] | None,
                  strict: bool) -> None:
        """Pass on the shortest prefix of candidates that adds up; else judge the explicit parts."""
        for k in range(2, len(candidates) + 1):
            parts = candidates[:k]
            tol = sum_tolerance(parts) + half_unit(total.decimals)
            if close(sum(num(p) for p in parts), num(total), tol):
                self._sum(total, parts, PASS, tol)
                return
        if explicit and len(explicit) >= 2:
            tol = sum_tolerance(explicit) + half_unit(total.decimals)
            got = sum(num(p) for p in explicit)
            if close(got, num(total), tol):
                self._sum(total, explicit, PASS, tol)
                return
            for p in explicit:   # a part whose grouping mark is misplaced ("5.9123" for 59.123)
                if any(close(got - num(p) + alt, num(total), tol) for alt in p.alternatives):
                    self._sum(total, explicit, PASS, tol, note=f"reading {p.text} as its alternative")
                    return
            reason = unasserted(total, explicit, strict, got)
            self._sum(total, explicit, UNSURE if reason else FAIL, tol, reason)

    def _sum(self, total: Fact, parts: list[Fact], status: CheckStatus, tol: float,
             reason: str | None = None, note: str | None = None) -> None:
        got = sum(num(p) for p in parts)
        if note is not None:
            got = num(total)
        decimals = total.decimals or 0 if note else max([p.decimals or 0 for p in parts] + [total.decimals or 0])
        mark = {PASS: "=" if got == num(total) else "≈", FAIL: "≠", UNSURE: "≠"}[status]
        sign = {PASS: "✓", FAIL: "✗", UNSURE: "?"}[status]
        expl = f"{' + '.join(written(p) for p in parts)} = {vi(got, decimals)} {mark} {written(total)} {sign}"
        if status is UNSURE:
            expl += " (the list may be partial)"
        if note is not None:
            expl += f" ({note})"
        self.add("sum", status, [total, *parts], expl, num(total), got, tol, reason=reason)
        if status is PASS:
            for p in parts:
                self.wholes.setdefault(p.id, _Relation(total, parts))

    def subset_check(self, whole: Fact, part: Fact) -> None:
        ok = num(part) <= num(whole)
        self.add("subset", PASS if ok else FAIL, [whole, part],
                 f"{written(part)} {'≤' if ok else '>'} {written(whole)} {'✓' if ok else '✗'}",
                 num(whole), num(part), 0.0)

    def inline_breakdowns(self) -> None:
        """ "T, trong đó a, b" / "T, gồm: a; b" / "T (a, b)" / "T (trong đó có a)" in one block."""
        for total in self.facts:
            if total.kind not in _TOTALS or total.change or total.location.cell is not None:
                continue  # changes are not totals; table cells are read by the table patterns
            block = self.block_of(total)
            fam = self.family(total)
            same = [f for f in self.facts_in(total.span[1], block.span[1]) if self.family(f) == fam
                    and not f.change]
            cue = self._cue_after(total, same, block)
            if cue is None:
                continue
            start, word = cue
            if word == "(":
                inside = self._paren_facts(start, same)
                if inside and re.compile(rf"\(\s*(?:{words_re('subset_openers')})",
                                         re.IGNORECASE).match(self.text, start):
                    self.subset_check(total, inside[0])
                elif len(inside) >= 2:
                    self.sum_check(total, inside, inside, strict=True)
                continue
            parts = [f for f in same if f.span[0] > start and not self.in_parens(start, f.span[0])]
            if not parts:
                continue
            end = self.sentence_end(start, block.span[1])
            explicit = [f for f in parts if f.span[0] < end]
            if len(explicit) == 1 and word.lower().startswith("trong đó") and len(parts) == 1:
                self.subset_check(total, explicit[0])
                continue
            self.sum_check(total, parts, explicit, strict=word.lower() in _connectors("list_openers"))

    def _cue_after(self, total: Fact, same: list[Fact], block: Block) -> tuple[int, str] | None:
        limit = same[0].span[0] if same else block.span[1]
        end = self.sentence_end(total.span[1], block.span[1])
        nxt = _SENTENCE_END.search(self.text, end + 1, block.span[1]) if end < block.span[1] else None
        window_end = min(limit, nxt.start() if nxt else block.span[1])
        segment = self.text[total.span[1]:window_end]
        m = _cue_re("breakdown_cues").search(segment)
        paren = segment.find("(")
        if 0 <= paren and total.span[1] + paren < end and not re.search(r"\d", segment[:paren]) \
                and (m is None or paren < m.start()):
            return total.span[1] + paren, "("
        if m is not None and (total.span[1] + m.start() < end or self._next_words_are(end + 1, m.group(0))):
            return total.span[1] + m.start(), m.group(0)
        return None

    def _next_words_are(self, pos: int, words: str) -> bool:
        """``self.text[pos:].lstrip().lower().startswith(words.lower())``, reading only the
        words there: copying and lower-casing the rest of a long report for every total made
        this quadratic. (Lower-casing is per character, but for a final sigma, which looks a
        few characters ahead: the margin covers it.)"""
        first = _NON_SPACE.search(self.text, pos)
        if first is None:
            return not words.lower()
        at = first.start()
        return self.text[at:at + len(words) + 64].lower().startswith(words.lower())

    def _paren_facts(self, start: int, same: list[Fact]) -> list[Fact]:
        close_at = self.text.find(")", start)
        return [f for f in same if start < f.span[0] and (close_at < 0 or f.span[1] <= close_at)
                and not self.in_parens(start + 1, f.span[0])]

    def footnote_breakdowns(self) -> None:
        """A footnote marker on a total's clause, the note listing its parts."""
        for note in self.doc.footnotes:
            note_text = self.text[note.span[0]:note.span[1]]
            in_note = self.facts_in(*note.span)
            for marker in note.markers:
                total = self._total_before_marker(marker[0])
                if total is None:
                    continue
                fam = self.family(total)
                parts = [f for f in in_note if self.family(f) == fam]
                if len(parts) >= 2:
                    # a note that opens with "Gồm", or a marker right on the counted noun
                    # ("56 trường hợp[10]") whose note lists the parts: the whole breakdown
                    attached = re.fullmatch(rf"\s*{re.escape(total.unit or '')}\s*",
                                            self.text[total.span[1]:marker[0]], re.IGNORECASE)
                    strict = bool(re.match(rf"\[\d+\]\s*(?:{words_re('list_openers')})", note_text,
                                           re.IGNORECASE)) or (attached is not None and bool(total.unit))
                    self.sum_check(total, parts, parts, strict=strict)

    def _total_before_marker(self, pos: int) -> Fact | None:
        block = self.doc.block_at(pos)           # once, not once per fact
        before = [f for f in self._by_block.get(block.id, ())  # type: ignore[union-attr]
                  if f.span[1] <= pos and f.kind in _TOTALS]
        if not before:
            return None
        last = before[-1]
        gap = self.text[last.span[1]:pos]
        return last if len(gap) < 120 and not _SENTENCE_END.search(gap) else None

    def outline_breakdowns(self) -> None:
        """ "... 65,7/90 điểm, cụ thể từng lĩnh vực như sau:" then numbered fields, one figure each."""
        for block in self.doc.blocks:
            text = self.text[block.span[0]:block.span[1]].rstrip()
            if not text.endswith(":") or block.kind is BlockKind.table:
                continue
            totals = [f for f in self.facts_in(*block.span) if f.kind in _TOTALS]
            children = self._children_after(block)
            if not totals or len(children) < 2:
                continue
            by_family: dict[str, list[Fact]] = {}
            for t in totals:
                by_family.setdefault(self.family(t), []).append(t)
            for fam, ts in by_family.items():
                for i, total in enumerate(ts):
                    self._outline_sum(total, fam, i, children)

    def _children_after(self, block: Block) -> list[Section]:
        """The numbered subsections that follow ``block`` inside its own (innermost) section."""
        chain = [s for s in self.doc.sections_at(block.span[0]) if s.style in ("roman", "arabic", "letter")]
        if not chain:
            return []
        return [c for c in chain[-1].children if c.span[0] >= block.span[1]
                and c.style in ("arabic", "roman", "letter")]

    def _outline_sum(self, total: Fact, fam: str, i: int, children: list[Section]) -> None:
        parts: list[Fact] = []
        for child in children:
            mine = [f for f in self.facts_in(*child.span) if self.family(f) == fam
                    and not f.qualifier.value == "at_most"]
            if len(mine) > i:
                parts.append(mine[i])
        complete = len(parts) == len(children)
        if len(parts) >= 2:
            self.sum_check(total, parts, parts if complete else None, strict=complete)
        if total.kind is FactKind.score and complete and total.denominator is not None \
                and all(p.denominator is not None for p in parts):
            self._maxima(total, parts)

    def list_breakdowns(self) -> None:
        """ "thực hiện 04 thủ tục hành chính bao gồm:" then paragraphs each with its count."""
        for block in self.doc.blocks:
            text = self.text[block.span[0]:block.span[1]].rstrip()
            if not text.endswith(":") or self._children_after(block):
                continue
            totals = [f for f in self.facts_in(*block.span) if f.kind is FactKind.count]
            if not totals:
                continue
            total = totals[-1]  # scores are left out: achieved and lost points read alike
            following: list[Fact] = []
            fam = self.family(total)
            for nxt in self.doc.blocks[block.id + 1:block.id + 12]:
                if nxt.kind is BlockKind.heading:
                    break
                mine = [f for f in self.facts_in(*nxt.span) if self.family(f) == fam]
                following += mine[:1]
            self.sum_check(total, following, None, strict=False)

    def table_components(self) -> None:
        """A table's total row (Tổng hợp) against its numbered group rows (or their sub-rows)."""
        labels = tuple(w.lower() for w in cues().total_row_labels)
        for block in self.doc.blocks:
            table = block.table
            if table is None:
                continue
            scores = [f for f in self.facts_in(*block.span) if f.kind is FactKind.score
                      and f.location.cell is not None]
            by_row: dict[int, list[Fact]] = {}
            for f in scores:
                by_row.setdefault(f.location.cell[0], []).append(f)  # type: ignore[index]
            rows = table.rows()
            total_row = next((r for r, cells in enumerate(rows)
                              if cells and cells[0].strip().lower().startswith(labels) and r in by_row), None)
            if total_row is None:
                continue
            parts, complete = self._group_rows(rows, by_row, total_row)
            total = by_row[total_row][0]
            if len(parts) >= 2:
                self.sum_check(total, [], parts, strict=complete)
                if complete and total.denominator is not None and all(p.denominator for p in parts):
                    self._maxima(total, parts)

    def _group_rows(self, rows: list[list[str]], by_row: dict[int, list[Fact]],
                    total_row: int) -> tuple[list[Fact], bool]:
        groups = [r for r, cells in enumerate(rows) if re.fullmatch(r"\d{1,2}\.?", cells[0].strip())]
        parts: list[Fact] = []
        complete = bool(groups)
        for g in groups:
            if g in by_row:
                parts.append(by_row[g][0])
                continue
            number = rows[g][0].strip().rstrip(".")
            subs = [by_row[r][0] for r, cells in enumerate(rows) if r in by_row and r != total_row
                    and re.fullmatch(rf"{number}\.\d{{1,2}}\.?", cells[0].strip())
                    and by_row[r][0].denominator is not None]
            parts += subs
            complete = complete and bool(subs)
        return parts, complete

    def _maxima(self, total: Fact, parts: list[Fact]) -> None:
        got = sum(float(p.denominator or 0) for p in parts)
        stated = float(total.denominator or 0)
        ok = close(got, stated, 1e-6)
        self.add("maxima", PASS if ok else FAIL, [total, *parts],
                 f"{' + '.join(vi(p.denominator or 0) for p in parts)} = {vi(got)} "
                 f"{'=' if ok else '≠'} {vi(stated)} {'✓' if ok else '✗'}",
                 stated, got, 0.0)

    def of_total(self) -> None:
        """ "3 trong số 5 chỉ số thành phần": a part of a stated whole."""
        for a, b in zip(self.facts, self.facts[1:]):
            if a.kind is FactKind.count and b.kind is FactKind.count and \
                    re.fullmatch(rf"\s+(?:{words_re('of_total')})\s+", self.text[a.span[1]:b.span[0]],
                                 re.IGNORECASE):
                self.subset_check(b, a)

    # -- shares ----------------------------------------------------------------------------
    def shares(self) -> None:
        for pct in self.facts:
            if pct.kind is not FactKind.percentage or pct.denominator is not None:
                continue
            part = self._share_part(pct)
            if part is None:
                continue
            if part.denominator is not None:
                whole_value, whole = float(part.denominator or 0), part
            elif part.id in self.wholes:
                whole = self.wholes[part.id].whole
                whole_value = num(whole)
            else:
                continue
            got = 100 * num(part) / whole_value if whole_value else float("nan")
            tol = half_unit(pct.decimals) or 0.5
            ok = close(got, num(pct), tol) or _truncates_to(got, pct)
            facts = [part, pct] if whole is part else [part, whole, pct]
            denom = vi(whole_value)
            self.add("share", PASS if ok else FAIL, facts,
                     f"{written(part)} / {denom} = {vi(got, (pct.decimals or 0) + 1)} % "
                     f"{'≈' if ok else '≠'} {written(pct)} % {'✓' if ok else '✗'}",
                     num(pct), round(got, 4), tol)

    def _share_part(self, pct: Fact) -> Fact | None:
        block = self.block_of(pct)
        before = [f for f in self.facts_in(block.span[0], pct.span[0]) if f.kind is FactKind.count]
        if not before:
            return None
        part = before[-1]
        gap = self.text[part.span[1]:pct.span[0]]
        if _SENTENCE_END.search(gap) or ";" in gap or len(gap) > 160:
            return None
        tail = gap.rstrip()
        m = _cue_re("share_cues").search(tail[-25:])
        return part if m is not None and tail.lower().endswith(m.group(0).lower()) else None

    def complements(self) -> None:
        """Shares of one whole that must add up to 100 %."""
        groups: dict[str, list[Fact]] = {}
        for check in [c for c in self.out if c.rule == "share" and c.status is PASS]:
            if len(check.facts) == 3:
                groups.setdefault(check.facts[1], []).append(self._fact(check.facts[2]))
        for whole_id, pcts in groups.items():
            relation = next((r for r in self.wholes.values() if r.whole.id == whole_id), None)
            if relation is not None and len(pcts) == len(relation.parts) >= 2:
                self._total_100(pcts, certain=True)
        for block in self.doc.blocks:
            self._labelled_complements(block)

    def _labelled_complements(self, block: Block) -> None:
        labelled = [f for f in self.facts_in(*block.span)
                    if f.kind is FactKind.percentage and not f.subject and f.label]
        if not labelled:
            return   # (most blocks)
        for words in cues().complement_sets:
            ordered = sorted(words, key=len, reverse=True)
            found: dict[str, Fact] = {}
            for f in labelled:
                word = next((w for w in ordered if re.search(rf"(?<!\w){re.escape(w)}(?!\w)",
                                                             f.label or "", re.IGNORECASE)), None)
                if word and word not in found:
                    found[word] = f
            if len(found) >= 2:
                from baocao.extractor.relations import facets_of, partition_of

                pcts = sorted(found.values(), key=lambda f: f.span)
                facets = [facets_of(p.label or "") for p in pcts]
                complete = partition_of(facets) is not None
                over = sum(num(p) for p in pcts) > 100.0 + sum_tolerance(pcts) and _disjoint(facets)
                self._total_100(pcts, certain=len(found) == len(words) or complete or over)

    def _total_100(self, pcts: list[Fact], certain: bool) -> None:
        got = sum(num(p) for p in pcts)
        tol = sum_tolerance(pcts)
        ok = close(got, 100.0, tol)
        status = PASS if ok else (FAIL if certain else UNSURE)
        decimals = max(p.decimals or 0 for p in pcts)
        self.add("shares_total", status, pcts,
                 f"{' + '.join(written(p) + ' %' for p in pcts)} = {vi(got, decimals)} % "
                 f"{'=' if ok else '≠'} 100 % {'✓' if ok else '✗' if status is FAIL else '?'}",
                 100.0, round(got, 6), tol)

    def _fact(self, fact_id: str) -> Fact:
        return self._by_id[fact_id]

    # -- scores ----------------------------------------------------------------------------
    def points(self) -> None:
        """A field's x/y and its stated points not reached d: x + d = y; itemised losses too."""
        for section in self.doc.iter_sections():
            scores = [f for f in self.facts_in(*section.span) if f.kind is FactKind.score]
            head = next((f for f in scores if f.denominator is not None), None)
            if head is None or self._innermost(head) is not section:
                continue
            own = [f for f in scores if self._innermost(f) is section]
            lost = [f for f in own if f.span[0] > head.span[0] and self._lost(f)]
            stated = [f for f in lost if self._stated_lost(f)]
            items = [f for f in lost if f not in stated]
            gap = float(head.denominator or 0) - num(head)
            if stated:
                d = stated[0]
                tol = half_unit(head.decimals) + half_unit(d.decimals)
                ok = close(num(head) + num(d), float(head.denominator or 0), tol)
                self.add("points", PASS if ok else FAIL, [head, d],
                         f"{written(head)} + {written(d)} = {vi(num(head) + num(d))} "
                         f"{'=' if ok else '≠'} {vi(head.denominator or 0)} {'✓' if ok else '✗'}",
                         head.denominator, num(head) + num(d), tol)
            if len(items) >= 1:
                got = sum(num(f) for f in items)
                tol = sum_tolerance(items) + half_unit(head.decimals)
                ok = close(got, gap, tol)
                self.add("points", PASS if ok else UNSURE, [head, *items],
                         f"{' + '.join(written(f) for f in items)} = {vi(got)} "
                         f"{'=' if ok else '≠'} {vi(head.denominator or 0)} − {written(head)} = {vi(gap)} "
                         f"{'✓' if ok else '(points lost may be listed only in part)'}",
                         gap, got, tol)

    def _innermost(self, f: Fact) -> Section | None:
        chain = [s for s in self.doc.sections_at(f.span[0]) if s.style in ("roman", "arabic", "letter")]
        return chain[-1] if chain else None

    def _lost(self, f: Fact) -> bool:
        before = self.text[max(0, f.span[0] - 25):f.span[0]]
        after = self.text[f.span[1]:f.span[1] + 22]
        rx = _cue_re("lost_points_cues")
        after_cue = rf"\s*(?:{words_re('score_word')})\s+(?:{words_re('negations')})\s+(?:{words_re('copulas')})"
        return bool(rx.search(before)) or bool(re.match(after_cue, after, re.IGNORECASE))

    def _stated_lost(self, f: Fact) -> bool:
        before = self.text[max(0, f.span[0] - 30):f.span[0]].lower()
        return any(cue.lower() in before for cue in cues().score_cues if " " in cue)

    def differences(self) -> None:
        """ "thấp hơn mức điểm cao nhất 0,66 điểm (tỉnh Hòa Bình đạt 99,93 điểm)"."""
        vocab = cues().difference_cues
        for diff in self.facts:
            if diff.kind is not FactKind.score:
                continue
            before = self.text[max(0, diff.span[0] - 40):diff.span[0]].lower()
            direction = next((d for d, words in vocab.items() if any(w in before for w in words)), None)
            ref = self._reference_after(diff)
            if direction is None or ref is None:
                continue
            d, r = num(diff), num(ref)
            own_value = r - d if direction == "lower" else r + d
            tol = half_unit(diff.decimals) + half_unit(ref.decimals) + half_unit(ref.decimals)
            # the nearest score before it (facts are in span order: read back from it, lazily)
            earlier = map(self.facts.__getitem__,
                          range(bisect_left(self._starts, diff.span[0]) - 1, -1, -1))
            match = next((f for f in earlier if f.kind is FactKind.score and not f.subject
                          and f.id != diff.id and close(num(f), own_value, tol)), None)
            op = "+" if direction == "lower" else "−"
            if match is not None:
                self.add("difference", PASS, [match, diff, ref],
                         f"{written(match)} {op} {written(diff)} = {written(ref)} ✓",
                         r, num(match) + (d if direction == "lower" else -d), tol)

    def _reference_after(self, diff: Fact) -> Fact | None:
        m = re.match(r"\s*(?:điểm\s*)?\(", self.text[diff.span[1]:diff.span[1] + 12])
        if m is None:
            return None
        close_at = self.text.find(")", diff.span[1])
        inside = [f for f in self.facts_in(diff.span[1], close_at if close_at > 0 else diff.span[1] + 80)
                  if f.kind is FactKind.score]
        return inside[0] if inside else None

    # -- enumerations, bounds, dates, catalog ---------------------------------------------
    def enumerations(self) -> None:
        for note in self.doc.footnotes:
            body = self.text[note.span[0]:note.span[1]]
            m = re.match(rf"\[\d+\]\s*(?:{words_re('list_openers')})\s*:\s*(.+)$", body,
                         re.IGNORECASE | re.DOTALL)
            if m is None or self.facts_in(*note.span):
                continue
            items = [i for i in re.split(r";\s*", m.group(1).rstrip(". ")) if i.strip()]
            for marker in note.markers:
                count = self._total_before_marker(marker[0])
                if count is not None and count.kind is FactKind.count:
                    self._enumeration(count, len(items))
        for block in self.doc.blocks:
            self._list_enumeration(block)
        for f in self.facts:
            if f.kind is FactKind.count and f.unit:
                self._paren_enumeration(f)

    def _paren_enumeration(self, count: Fact) -> None:
        """ "02 chỉ số thành phần (chỉ số số hóa ... và chỉ số thanh toán ...)": named in parens."""
        m = re.compile(rf"\s*{re.escape(count.unit or '')}\s*\(([^()]{{3,300}})\)",
                       re.IGNORECASE).match(self.text, count.span[1])   # no copy of the rest
        if m is None:
            return
        if re.search(r"\d", m.group(1)) or num(count) > 50:
            return  # figures inside: a breakdown, not a list of names; too many to be listed
        head = (count.unit or "").split()[0].lower()
        items = [i.strip() for i in re.split(rf",|;|\s+(?:{words_re('list_and')})\s+", m.group(1))
                 if i.strip()]
        if len(items) >= 2 and all(i.lower().startswith(head) for i in items):
            self._enumeration(count, len(items))

    def _list_enumeration(self, block: Block) -> None:
        text = self.text[block.span[0]:block.span[1]].rstrip()
        counts = [f for f in self.facts_in(*block.span) if f.kind is FactKind.count]
        if not counts or not text.endswith(":") or not re.fullmatch(
                r"\s*[^\d]{0,60}:", self.text[counts[-1].span[1]:block.span[1]]):
            return
        n, marker = 0, None
        for nxt in self.doc.blocks[block.id + 1:]:
            first = self.text[nxt.span[0]:nxt.span[0] + 1]
            if nxt.kind is not BlockKind.list_item or (marker is not None and first != marker):
                break
            marker, n = first, n + 1
        if n:  # list markers differ by format (bullets, "+", "-"): a mismatch is not proof
            self._enumeration(counts[-1], n, certain=False)

    def _enumeration(self, count: Fact, n: int, certain: bool = True) -> None:
        ok = num(count) == n
        status = PASS if ok else (FAIL if certain else UNSURE)
        self.add("enumeration", status, [count],
                 f"{n} listed {'=' if ok else '≠'} {written(count)} "
                 f"{'✓' if ok else '✗' if certain else '?'}",
                 num(count), float(n), 0.0)

    def bounds(self) -> None:
        """Only what breaks: a score above its maximum, a rank outside its pool."""
        for f in self.facts:
            if f.denominator is None or not isinstance(f.value, float):
                continue
            if f.kind in (FactKind.score, FactKind.count) and f.value > f.denominator + half_unit(f.decimals):
                self.add("bound", FAIL, [f], f"{written(f)} > {vi(f.denominator)} ✗",
                         f.denominator, f.value, half_unit(f.decimals))
            if f.kind is FactKind.rank and not 1 <= f.value <= f.denominator:
                self.add("bound", FAIL, [f], f"hạng {written(f)} ∉ 1..{vi(f.denominator)} ✗",
                         f.denominator, f.value, 0.0)

    def _doc_range(self) -> tuple[str, str] | None:
        date = self.ex.meta.date
        if date is None or not date.value:
            return None
        v = date.value
        if len(v) == 10:
            return v, v
        if len(v) == 7:
            return f"{v}-01", f"{v}-31"
        return f"{v}-01-01", f"{v}-12-31"

    def dates(self) -> None:
        rng = self._doc_range()
        if rng is None:
            return
        start, end = rng
        for f in self.facts:
            # a date read from a scan may be OCR's misreading ("01/01/2029" for 2019): not proven
            ocr = f.location.origin == "ocr"
            status, reason = (UNSURE, why("approximate")) if ocr else (FAIL, None)
            if f.kind is FactKind.date and isinstance(f.value, str) and f.value > end \
                    and f.location.block >= 3 and self._about_the_past(f):
                self.add("date_after_document", status, [f],
                         f"{f.text} ({f.value}) is after the document's own date "
                         f"({self.ex.meta.date.text if self.ex.meta.date else end}) {'?' if ocr else '✗'}",
                         end, f.value, reason=reason)
            if f.kind is FactKind.deadline and isinstance(f.value, str) and f.value < start:
                self.add("deadline_before_document", status, [f],
                         f"deadline {f.value} is before the document's own date ({start}) {'?' if ocr else '✗'}",
                         start, f.value, reason=reason)

    def _about_the_past(self, f: Fact) -> bool:
        """Data as of a date ("tính đến 30/4/2025") or a sentence that tells what was done ("đã",
        "vừa"): a date after the document's own date there is a slip; elsewhere it may be a plan,
        a deadline or a signature stamp."""
        from baocao.extractor.numbers import vocabulary

        as_of = "|".join(re.escape(w) for w in vocabulary().period_words.as_of)
        if re.search(rf"(?:{as_of})\s*(?:{words_re('date_word')})?\s*$",
                     self.text[max(0, f.span[0] - 25):f.span[0]], re.IGNORECASE):
            return True
        block = self.block_of(f)
        start = max((m.end() for m in _SENTENCE_END.finditer(self.text, block.span[0], f.span[0])),
                    default=block.span[0])
        end = self.sentence_end(f.span[1], block.span[1])
        return re.search(rf"(?<!\w)(?:{words_re('past_markers')})(?!\w)", self.text[start:end],
                         re.IGNORECASE) is not None

    def catalog_maxima(self) -> None:
        for f in self.facts:
            if f.kind is not FactKind.score or f.denominator is None or f.indicator is None:
                continue
            found = lookup(f.indicator)
            if found is None or found[1].max is None or \
                    match_indicator(f.label, "", [found[0]]) != f.indicator:
                continue  # matched through the section only: it may be a sub-criterion
            ok = close(found[1].max, f.denominator, 1e-6)
            self.add("catalog_maximum", PASS if ok else FAIL, [f],
                     f"stated maximum {vi(f.denominator)} {'=' if ok else '≠'} "
                     f"{vi(found[1].max)} for {found[0].name}: {found[1].name} {'✓' if ok else '✗'}",
                     found[1].max, f.denominator, 0.0)

    def rank_pools(self) -> None:
        rng = self._doc_range()
        pools = [p for fw in frameworks() for p in fw.pools]
        if rng is None or not pools:
            return
        sizes = {p.size for p in pools}
        for f in self.facts:
            if f.kind is not FactKind.rank or f.denominator not in sizes or f.subject:
                continue
            fits = [p for p in pools if (p.since or "0000") <= rng[1] and rng[0] <= (p.until or "9999")]
            expected = fits[0].size if len(fits) == 1 else None
            if expected is None:
                continue
            ok = expected == f.denominator
            self.add("rank_pool", PASS if ok else FAIL, [f],
                     f"pool {vi(f.denominator)} {'=' if ok else '≠'} {expected} tỉnh, thành phố "
                     f"at {self.ex.meta.date.value if self.ex.meta.date else ''} {'✓' if ok else '✗'}",
                     float(expected), f.denominator, 0.0)


def unasserted(total: Fact, parts: list[Fact], strict: bool, got: float) -> str | None:
    """Why a breakdown that does not add up is not proven wrong (None when it is): its parts
    must split one facet (a complete split, a list the text closes with "gồm"/"bao gồm", or
    parts above a total they cannot overlap in), miss by a little or by a slip of the pen, and be
    read without doubt."""
    from baocao.extractor.relations import facets_of, one_facet, partition_of

    facets = [facets_of(" ".join(x for x in (p.label, p.subject) if x)) for p in parts]
    if not one_facet(facets):
        return why("mixed_facets")
    # parts above their total are an error when the parts cannot overlap: the fields of an
    # index, or values of one facet ("đúng hạn", "quá hạn") that exclude each other
    over = got > num(total) and (total.kind is FactKind.score or _disjoint(facets))
    if not (partition_of(facets) or strict or over):
        return why("partial_list")
    if abs(got - num(total)) > 0.2 * abs(num(total)) and not _repairable(total, parts):
        return why("far_off")
    if any(f.qualifier.value in _VAGUE or f.location.origin == "ocr" for f in [total, *parts]):
        return why("approximate")
    return None


def _repairable(total: Fact, parts: list[Fact]) -> bool:
    """One figure of the relation is a slip of the pen away from making it hold: the total, or
    one part (a digit changed, two swapped, a separator misplaced)."""
    values = [num(p) for p in parts]
    got = sum(values)
    if typo_of(num(total), got):
        return True
    return any(typo_of(v, num(total) - (got - v)) for v in values)


def _disjoint(facets: list[dict[str, set[str]]]) -> bool:
    """Every part names a different value of one facet, so no two parts overlap."""
    if not facets or not all(facets):
        return False
    shared = set.intersection(*(set(f) for f in facets))
    return any(len({frozenset(f[k]) for f in facets}) == len(facets)
               and all(len(f[k]) == 1 for f in facets) for k in shared)


def _truncates_to(got: float, pct: Fact) -> bool:
    """13,058 % printed as 13,05 %: a percentage cut at its written decimals rather than rounded."""
    scale = 10 ** (pct.decimals or 0)
    return math.isfinite(got) and math.floor(got * scale + 1e-9) / scale == round(num(pct), pct.decimals or 0)


def run_checks(extraction: Extraction, doc: Document) -> list[Check]:
    """Every check of one document: the cue rules first, then the relations found by search
    (``extractor/relations.py``) that the cue rules did not find."""
    from baocao.extractor.relations import find_relations

    checks = Checker(extraction, doc).run()
    return checks + find_relations(extraction, doc, checks)


def cross_document_checks(extractions: list[Extraction]) -> list[Check]:
    """The same indicator, subject and period given different values in different documents."""
    seen: dict[tuple[str, str, str, str], list[tuple[Extraction, Fact]]] = {}
    for ex in extractions:
        for f in ex.facts:
            if f.indicator and f.period and f.period.start and isinstance(f.value, float):
                subject = f.subject or ex.meta.place or ex.meta.issuer or ""
                key = (f.indicator, subject, f"{f.period.start}..{f.period.end}", f.kind.value)
                seen.setdefault(key, []).append((ex, f))
    out: list[Check] = []
    for (indicator, subject, period, _), found in seen.items():
        per_doc: dict[str, set[float]] = {}
        for ex, f in found:
            per_doc.setdefault(ex.source.sha256, set()).add(float(f.value))  # type: ignore[arg-type]
        # several values in one document for one key (a total and its parts under one
        # indicator, two renderings of one table) say nothing of another document: only
        # documents that each give one value, and different ones, disagree
        single = {doc: vals for doc, vals in per_doc.items() if len(vals) == 1}
        if len(single) < 2 or len({v for vals in single.values() for v in vals}) < 2:
            continue
        listing = "; ".join(f"{ex.source.path}: {f.text}" for ex, f in found if ex.source.sha256 in single)
        out.append(Check(id=f"x{len(out) + 1}", rule="cross_document", status=FAIL,
                         facts=[f"{ex.source.path}#{f.id}" for ex, f in found if ex.source.sha256 in single],
                         explanation=f"{indicator} of {subject or '?'} for {period}: {listing} ✗"))
    return out
