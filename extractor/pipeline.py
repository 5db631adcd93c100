"""Document → Extraction, one readable stage after another.

    candidates  = find_candidates(doc, cues)        # figure-shaped spans, non-facts set aside
    drafts      = classify each candidate            # kind, value, unit, qualifier
    labels      = Labeller(doc).label(drafts)       # what each figure measures
    meta        = read_meta(doc)                     # type, number, issuer, date, period...
    facts       = drafts + labels + period + subject + indicator + location
    checks      = run_checks(extraction)             # arithmetic the document claims

Each stage is a module of its own; ``debug_stages`` returns every intermediate result so a
reviewer (or a test) can see why a fact was or was not produced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from baocao.extractor.candidates import Candidate, find_candidates
from baocao.extractor.catalog import Framework, frameworks_for, match_indicator
from baocao.extractor.classify import Classifier, Draft, mark_ranges
from baocao.extractor.context import Context
from baocao.extractor.labels import Labeller
from baocao.extractor.meta import language_warning, read_meta
from baocao.extractor.nlp import CueIndex, new_document
from baocao.schemas.document import Document
from baocao.schemas.extraction import (
    Extraction,
    Fact,
    FactKind,
    FactLocation,
    Meta,
    SourceRef,
)

# Facts read from OCR'd text: a figure may be misread ("425" for "42%"), so their confidence
# is scaled by this factor and their location says origin="ocr".
OCR_CONFIDENCE = 0.8
# A figure whose grouping mark looks misplaced ("5.9123") keeps its reading with this factor on
# its confidence, and the likely reading in ``Fact.alternatives``.
SLIP_CONFIDENCE = 0.7


@dataclass
class Stages:
    candidates: list[Candidate]
    drafts: list[Draft]
    labels: list[str | None]
    meta: Meta
    facts: list[Fact]


def classify_all(doc: Document, cues: CueIndex, candidates: list[Candidate]) -> list[Draft]:
    classifier = Classifier(doc, cues)
    drafts: list[Draft] = []
    left: list[Candidate] = []
    consumed = -1
    for c in candidates:
        if c.start < consumed:
            continue  # part of the previous figure: "top 5 trong 63 tỉnh"
        draft = classifier.classify(c)
        if draft is not None:
            drafts.append(draft)
            consumed = int(draft.extra.get("consumes") or -1)
        else:
            left.append(c)
    drafts += classifier.inherit_units(left, drafts)
    drafts.sort(key=lambda d: d.start)
    mark_ranges(drafts, doc.text)
    return drafts


def debug_stages(doc: Document) -> Stages:
    """Every intermediate result of the extraction of ``doc``."""
    new_document()
    cues = CueIndex(doc.text)
    candidates = find_candidates(doc, cues)
    drafts = classify_all(doc, cues, candidates)
    meta = read_meta(doc)
    _past_deadlines(drafts, meta, doc.text, cues)
    labels = Labeller(doc).label(drafts)
    default_year = _year(meta)
    context = Context(doc, default_year, meta.period)
    fws = frameworks_for(doc.text)
    facts = [_fact(i, d, label, doc, context, fws) for i, (d, label) in
             enumerate(zip(drafts, labels), start=1)]
    return Stages(candidates, drafts, labels, meta, facts)


def _past_deadlines(drafts: list[Draft], meta: Meta, text: str, cues: CueIndex) -> None:
    """ "dự án được cấp phép trước ngày 01/01/2021", "đến hết ngày 31/12/2022": a date the text
    names with a deadline's words but before the document's own date, in a sentence that gives
    no instruction, is a condition or the end of a period, not a deadline."""
    if meta.date is None or not meta.date.value:
        return
    value = meta.date.value
    own = {4: f"{value}-01-01", 7: f"{value}-01"}.get(len(value), value)   # the first day it allows
    for d in drafts:
        if d.kind is FactKind.deadline and isinstance(d.value, str) and d.value < own \
                and not _directive(d, text, cues):
            d.kind = FactKind.date
            d.extra.pop("cue_start", None)


def _directive(d: Draft, text: str, cues: CueIndex) -> bool:
    block = d.candidate.block
    start = max((m.end() for m in re.finditer(r"[.!?;]\s", text[block.span[0]:d.start])), default=0)
    return bool(cues.within("target_sentence_cues", block.span[0] + start, d.start))


def extract_document(doc: Document) -> Extraction:
    """Facts, metadata and checks of a parsed document."""
    from baocao.extractor.checks import run_checks

    stages = debug_stages(doc)
    extraction = Extraction(
        source=SourceRef(path=doc.source.path, sha256=doc.source.sha256,
                         format=doc.source.format, pages=doc.source.pages),
        text=doc.text, meta=stages.meta, facts=stages.facts, warnings=list(doc.warnings))
    foreign = language_warning(doc.text)
    if foreign:
        extraction.warnings.append(foreign)
    extraction.checks = run_checks(extraction, doc)
    return extraction


def _year(meta: Meta) -> int | None:
    if meta.date is not None and meta.date.value:
        return int(meta.date.value[:4])
    return meta.period.year if meta.period is not None else None


def _fact(i: int, d: Draft, label: str | None, doc: Document, context: Context,
          fws: list[Framework]) -> Fact:
    block = d.candidate.block
    sections = doc.sections_at(d.start)
    section_titles = " ".join(s.title for s in sections)
    indicator = None
    if d.kind in (FactKind.score, FactKind.rank, FactKind.percentage):
        indicator = match_indicator(label, section_titles, fws, d.denominator)
    extra: dict[str, Any] = {}
    if d.kind is FactKind.deadline:
        extra["task"] = label
        extra["responsible"] = d.extra.get("responsible")
    if d.kind in (FactKind.date, FactKind.deadline) and d.candidate.date is not None:
        extra["granularity"] = d.candidate.date.granularity
    return Fact(
        id=f"f{i}", kind=d.kind, value=d.value, denominator=d.denominator, unit=d.unit,
        qualifier=d.qualifier, label=label, indicator=indicator, period=context.period(d),
        subject=context.subject(d), text=d.candidate.text, span=(d.start, d.end),
        location=_location(d, doc, sections), strategy=d.strategy,
        confidence=round(d.confidence * (OCR_CONFIDENCE if block.origin == "ocr" else 1.0)
                         * (SLIP_CONFIDENCE if d.candidate.alternatives else 1.0), 3),
        decimals=_decimals(d.candidate), pool=d.pool, change=d.change,
        alternatives=list(d.candidate.alternatives) if d.kind in (FactKind.count, FactKind.score,
                                                                  FactKind.percentage) else [],
        **extra)


def _decimals(c: Candidate) -> int | None:
    if c.fraction is not None:
        return c.fraction.numerator.decimals
    return c.number.decimals if c.number is not None else None


def _location(d: Draft, doc: Document, sections: list[Any]) -> FactLocation:
    block = d.candidate.block
    loc = block.location
    bbox, page = loc.bbox, loc.page
    for frag in block.lines:
        if frag.span[0] <= d.start < frag.span[1] + 1:
            bbox, page = frag.bbox, frag.page
            break
    if d.cell is not None and d.cell.location is not None:
        bbox = d.cell.location.bbox or bbox
        page = d.cell.location.page or page
    return FactLocation(
        block=block.id, page=page, bbox=bbox, body_index=loc.body_index,
        element_path=loc.element_path, line=(d.cell.location.line if d.cell and d.cell.location
                                             else loc.line), part=loc.part,
        cell=(d.cell.row, d.cell.col) if d.cell is not None else None,
        section=" > ".join(s.number for s in sections if s.style in ("roman", "arabic")) or None,
        origin=block.origin)
