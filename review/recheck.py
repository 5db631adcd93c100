"""The checks rerun with the reviewers' corrections applied.

The extraction is rebuilt from the database with every correction of the document applied
(edited fields take their corrected values, rejected facts leave, added facts join), and
``extractor.checks`` runs on it with the parsed Document, exactly as at extraction time:
relations are found again, so a corrected figure can also make a relation appear or vanish.

"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from baocao.extractor.checks import run_checks
from baocao.review.sources import LRU, database_key
from baocao.schemas.document import Block, Document
from baocao.schemas.extraction import Check, Extraction
from baocao.store.models import (
    CheckRow,
    CorrectionRow,
    DocumentRow,
    ExtractionRow,
    FactRow,
    RecheckRow,
    VersionRow,
    utcnow,
)
from baocao.store.repository import COMPARED_FIELDS, correction_value


def run(ex: Extraction, doc: Document) -> list[Check]:
    """The checks of ``ex`` over ``doc`` (``extractor.checks.run_checks``)."""
    return run_checks(ex, doc)


# ── the extraction with corrections applied ────────────────────────────────────────────

_FACTS: LRU[tuple[Any, ...], list[tuple[str, dict[str, Any]]]] = LRU(16)


def stamp(session: Session, extraction_id: int) -> tuple[Any, ...]:
    """What identifies an extraction across databases and time, for the caches: the database,
    the id, and when and of which content it was made (a database file replaced under a
    running server reuses ids; it does not reuse both)."""
    row = session.execute(select(ExtractionRow.created_at, ExtractionRow.version_id).where(
        ExtractionRow.id == extraction_id)).first()
    return (database_key(session), extraction_id, *(row or ()))


def extracted_facts(session: Session, extraction_id: int) -> list[tuple[str, dict[str, Any]]]:
    """(key, Fact record) of every fact of an extraction, in span order; read-only.

    Cached per process: an extraction's facts are written once by ingest and never changed
    (corrections live beside them), and decoding 2,000 JSON records is a third of the time of
    a long document's page otherwise. Callers must not modify the records.
    """
    cache_key = stamp(session, extraction_id)
    found = _FACTS.get(cache_key)
    if found is None:
        found = [(key, data) for key, data in session.execute(
            select(FactRow.key, FactRow.data).where(FactRow.extraction_id == extraction_id)
            .order_by(FactRow.span_start, FactRow.id))]
        _FACTS.put(cache_key, found)
    return found

def decimals_of(value: float) -> int:
    text = repr(float(value))
    return 0 if "e" in text or text.endswith(".0") else len(text.split(".")[1])


def corrected_fields(data: dict[str, Any], c: CorrectionRow) -> dict[str, Any]:
    """``data`` (a Fact record) with the corrected fields of ``c`` applied."""
    out = dict(data)
    for name in c.fields or []:
        if name not in COMPARED_FIELDS:
            continue
        value = correction_value(c, name)
        if name == "period":
            value = c.period if c.period and "kind" in c.period else (
                {"text": value, "kind": "as_written", "granularity": "none"} if value else None)
        out[name] = value
        if name == "value" and isinstance(value, float):
            out["decimals"] = max(int(data.get("decimals") or 0), decimals_of(value))
    return out


def added_fact(c: CorrectionRow, doc: Document | None, text: str) -> dict[str, Any] | None:
    """The Fact record of a fact a reviewer added, if its span still holds its text."""
    start, end = c.span_start or 0, c.span_end or 0
    if not c.text or text[start:end] != c.text:
        return None
    block = doc.block_at(start) if doc is not None else None
    if doc is not None and block is None:
        block = doc.blocks[max(0, bisect_right([b.span[0] for b in doc.blocks], start) - 1)]
    page, bbox = _line_of(block, start) if block is not None else (None, None)
    sections = [s.number for s in doc.sections_at(start) if s.style in ("roman", "arabic")
                ] if doc is not None else []
    base = {"id": f"a{c.id}", "kind": c.kind or "count", "value": None, "text": c.text,
            "span": [start, end], "confidence": 1.0, "strategy": "reviewer",
            "location": {"block": block.id if block else 0, "page": page, "bbox": bbox,
                         "section": " > ".join(sections) or None,
                         "origin": block.origin if block is not None else "text"}}
    fields = corrected_fields(base, c)
    if isinstance(fields.get("value"), float):
        fields["decimals"] = decimals_of(fields["value"])
    return fields


def _line_of(block: Block, offset: int) -> tuple[int | None, list[float] | None]:
    for line in block.lines:
        if line.span[0] <= offset < line.span[1]:
            return line.page, list(line.bbox)
    return block.location.page, list(block.location.bbox) if block.location.bbox else None


@dataclass
class Loaded:
    """What the rebuilt extraction is made of, kept for the caller (ids of added facts)."""

    extraction: Extraction
    added: dict[str, str]  # fact id (a12) → fact key


def corrected_extraction(session: Session, extraction_id: int, doc: Document | None
                         ) -> Loaded:
    """The current extraction of a document with all its corrections applied."""
    x = session.get(ExtractionRow, extraction_id)
    assert x is not None
    v = session.get(VersionRow, x.version_id)
    assert v is not None
    path = session.scalar(select(DocumentRow.path).where(DocumentRow.id == v.document_id))
    corrections = {c.fact_key: c for c in session.scalars(
        select(CorrectionRow).where(CorrectionRow.document_id == v.document_id))}
    facts: list[dict[str, Any]] = []
    keys: set[str] = set()
    for key, data in extracted_facts(session, extraction_id):
        keys.add(key)
        c = corrections.get(key)
        if c is not None and c.action == "reject":
            continue
        facts.append(corrected_fields(data, c) if c is not None and c.action == "edit" else data)
    added: dict[str, str] = {}
    for key, c in corrections.items():
        if c.action == "add" and key not in keys:
            record = added_fact(c, doc, x.text)
            if record is not None:
                facts.append(record)
                added[record["id"]] = key
    facts.sort(key=lambda f: (f["span"][0], f["span"][1]))
    ex = Extraction.model_validate({
        "schema_version": x.schema_version, "text": x.text, "meta": x.meta,
        "warnings": list(x.warnings or []), "facts": facts,
        "source": {"path": path or "", "sha256": v.sha256, "format": v.format,
                   "pages": v.pages}})
    return Loaded(ex, added)


# ── rerunning and comparing ────────────────────────────────────────────────────────────

def stored_checks(session: Session, extraction_id: int) -> list[dict[str, Any]]:
    """The checks to show: rerun ones if the document was corrected, else as extracted."""
    row = session.get(RecheckRow, extraction_id)
    if row is not None:
        return list(row.checks)
    return [data for data, in session.execute(select(CheckRow.data).where(
        CheckRow.extraction_id == extraction_id).order_by(CheckRow.id))]


def recheck(session: Session, extraction_id: int, doc: Document) -> list[dict[str, Any]]:
    """Rerun the checks with the corrections applied and store them; returns them."""
    loaded = corrected_extraction(session, extraction_id, doc)
    checks = [c.model_dump(mode="json") for c in run(loaded.extraction, doc)]
    n_failed = sum(1 for c in checks if c["status"] == "fail")
    row = session.get(RecheckRow, extraction_id)
    if row is None:
        session.add(RecheckRow(extraction_id=extraction_id, checks=checks, n_failed=n_failed))
    else:
        row.checks, row.n_failed, row.updated_at = checks, n_failed, utcnow()
    session.flush()
    return checks


def signature(check: dict[str, Any]) -> str:
    """A check's identity across reruns: its rule and its facts (ids change with order)."""
    return f"{check['rule']}|{','.join(sorted(check['facts']))}"


def changes_for(before: list[dict[str, Any]], after: list[dict[str, Any]], fact_id: str
                ) -> list[dict[str, Any]]:
    """The checks involving ``fact_id`` before or after, with both statuses (None: absent)."""
    old = {signature(c): c for c in before if fact_id in c["facts"]}
    new = {signature(c): c for c in after if fact_id in c["facts"]}
    out = []
    for sig in list(new) + [s for s in old if s not in new]:
        c = new.get(sig) or old[sig]
        out.append({"rule": c["rule"], "facts": c["facts"], "explanation": c["explanation"],
                    "before": old[sig]["status"] if sig in old else None,
                    "after": new[sig]["status"] if sig in new else None})
    return out
