"""An Extraction as database rows, prepared where it was extracted (the worker).

Ingest has one writer, so everything that is not a database statement is done before the
result reaches it: stable fact keys, typed columns, the full JSON of each fact and check, the
check → fact relations. The writer then only runs a handful of INSERTs (``store.repository``),
and validating the Extraction again in the parent is not needed: it was built as one.

A fact's ``key`` is made of its source text, the words around it and its rank among identical
neighbours, not of its span or kind: it survives a new extractor version that re-labels or
re-classifies the fact, and an edit elsewhere in the document that shifts every span.
Reviewers' corrections hang on ``(document_id, key)``.

The parsed Document travels with the rows, already encoded (``encode_document``: compact JSON,
zlib at level 1), so the review app never parses a file again to show it, and the writer
only inserts bytes. Measured on the corpus: 0.35 ms a document in the worker (about 0.5 % of
parse + extract) for about 6 KiB stored; level 6 costs twice the time for 15 % less.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from baocao.schemas.document import Document
from baocao.schemas.extraction import Extraction, Fact

CONTEXT_CHARS = 24
DOCUMENT_ZLIB_LEVEL = 1
_SPACES = re.compile(r"\s+")


@dataclass
class Prepared:
    """The rows of one Extraction, without the ids the database will give them.

    The ``data`` column of facts and checks is already JSON text (``JSON_TEXT_COLUMNS``):
    encoding it is the writer's largest cost after the inserts themselves.
    """

    sha256: str
    format: str
    pages: int | None
    extraction: dict[str, Any]
    facts: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    relations: list[tuple[int, int, int]]  # (check index, position, fact index)
    document: bytes | None = None         # the parsed Document, ``encode_document``
    document_schema: str | None = None    # its ``schema_version``

    @property
    def failed_rules(self) -> list[str]:
        return [c["rule"] for c in self.checks if c["status"] == "fail"]

    def facts_by_key(self) -> dict[str, dict[str, Any]]:
        """key → the fact's JSON record (to compare with reviewers' corrections)."""
        return {f["key"]: json.loads(f["data"]) for f in self.facts}


JSON_TEXT_COLUMNS = frozenset({"data"})


def encode_document(doc: Document) -> bytes:
    """The parsed Document as stored in ``parsed_documents.data``: compact JSON, zlib level 1."""
    return zlib.compress(doc.model_dump_json().encode(), DOCUMENT_ZLIB_LEVEL)


def decode_document(data: bytes) -> Document:
    """The Document ``encode_document`` stored (any zlib level: the stream says which)."""
    return Document.model_validate_json(zlib.decompress(data))


def fact_key(text: str, span: tuple[int, int], full_text: str, occurrence: int = 0) -> str:
    """The stable key of the figure ``text`` at ``span`` of ``full_text`` (sha1 hex)."""
    left = _SPACES.sub(" ", full_text[max(0, span[0] - CONTEXT_CHARS):span[0]]).strip()
    right = _SPACES.sub(" ", full_text[span[1]:span[1] + CONTEXT_CHARS]).strip()
    raw = "\x1f".join((text, left, right, str(occurrence)))
    return hashlib.sha1(raw.encode()).hexdigest()


def fact_keys(ex: Extraction) -> list[str]:
    """One key per fact of ``ex``, in order; identical (text, context) get 0, 1, 2..."""
    seen: Counter[str] = Counter()
    keys = []
    for f in ex.facts:
        base = fact_key(f.text, f.span, ex.text)
        keys.append(fact_key(f.text, f.span, ex.text, seen[base]))
        seen[base] += 1
    return keys


def fact_values(f: Fact) -> dict[str, Any]:
    """The typed columns of a fact: numbers in ``value``, ISO dates in ``value_text``."""
    number = f.value if isinstance(f.value, int | float) else None
    p = f.period
    return {"kind": f.kind.value, "value": number,
            "value_text": f.value if isinstance(f.value, str) else None,
            "denominator": f.denominator, "unit": f.unit, "qualifier": f.qualifier.value,
            "label": f.label, "indicator": f.indicator,
            "period_text": p.text if p else None, "period_start": p.start if p else None,
            "period_end": p.end if p else None, "period_year": p.year if p else None,
            "subject": f.subject}


def number(v: float | str | None) -> float | None:
    return float(v) if isinstance(v, int | float) else None


def prepare(ex: Extraction, doc: Document | None = None) -> Prepared:
    """Rows for the extractions, facts, checks and relations tables; with ``doc`` (the
    Document ``ex`` was extracted from), its ``parsed_documents`` row as well."""
    m = ex.meta
    failed = sum(1 for c in ex.checks if c.status.value == "fail")
    extraction = {
        "schema_version": ex.schema_version, "doc_type": m.doc_type, "number": m.number,
        "symbol": m.symbol, "issuer": m.issuer, "place": m.place,
        "date_value": m.date.value if m.date else None, "title": m.title,
        "period_text": m.period.text if m.period else None,
        "period_year": m.period.year if m.period else None,
        "meta": m.model_dump(mode="json"), "warnings": list(ex.warnings), "text": ex.text,
        "n_facts": len(ex.facts), "n_checks_failed": failed}
    facts = [{"key": key, "ordinal": f.id, **fact_values(f), "text": f.text,
              "span_start": f.span[0], "span_end": f.span[1], "page": f.location.page,
              "section": f.location.section, "confidence": f.confidence,
              "strategy": f.strategy, "data": f.model_dump_json(), "version": 1}
             for f, key in zip(ex.facts, fact_keys(ex))]
    checks = [{"ordinal": c.id, "rule": c.rule, "status": c.status.value,
               "expected": number(c.expected), "actual": number(c.actual),
               "tolerance": c.tolerance, "explanation": c.explanation,
               "data": c.model_dump_json()} for c in ex.checks]
    index = {f.id: i for i, f in enumerate(ex.facts)}
    relations = [(ci, pos, index[fid]) for ci, c in enumerate(ex.checks)
                 for pos, fid in enumerate(c.facts) if fid in index]
    return Prepared(ex.source.sha256, ex.source.format.value, ex.source.pages, extraction,
                    facts, checks, relations,
                    document=encode_document(doc) if doc is not None else None,
                    document_schema=doc.schema_version if doc is not None else None)
