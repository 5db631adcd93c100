"""The Extraction: what ``baocao extract --json`` prints and other systems read.

A versioned contract: fields are only added, never renamed or removed, within a major
version; ``schema_version`` says which. Every fact carries its exact source: ``text`` is
``Extraction.text[span[0]:span[1]]``, always, and ``location`` says where in the file it is.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import Field, model_validator

from baocao.schemas.document import BBox, Format, Span, Strict

EXTRACTION_SCHEMA_VERSION = "1.1"  # 1.1 adds Fact.change, Fact.alternatives, Check.evidence/scope/why


class FactKind(str, Enum):
    count = "count"  # type: ignore[assignment]  # shadows str.count on purpose: the contract's name
    score = "score"
    rank = "rank"
    percentage = "percentage"
    deadline = "deadline"
    date = "date"
    amount = "amount"


class Qualifier(str, Enum):
    exact = "exact"
    more_than = "more_than"
    less_than = "less_than"
    at_most = "at_most"
    at_least = "at_least"
    about = "about"
    estimate = "estimate"
    target = "target"
    range = "range"


class CheckStatus(str, Enum):
    passed = "pass"
    failed = "fail"
    unverifiable = "unverifiable"


class Period(Strict):
    text: str = Field(description="as written: 'Quý I/2024', '9 tháng đầu năm 2023'")
    kind: str = Field(description="year, quarter, half, month, months_to_date, range, as_of, day")
    granularity: str
    start: str | None = Field(None, description="ISO date, or null when the text does not say")
    end: str | None = None
    year: int | None = None


class FactLocation(Strict):
    block: int = Field(description="id of the Document block the fact is in")
    page: int | None = None
    bbox: BBox | None = Field(None, description="box of the line (PDF) the fact stands on")
    body_index: int | None = None
    element_path: str | None = None
    line: int | None = None
    part: str | None = None
    cell: tuple[int, int] | None = Field(None, description="(row, col) when in a table")
    section: str | None = Field(None, description="enclosing numbered sections, e.g. 'II > 3.'")
    origin: Literal["text", "ocr"] = "text"


class Fact(Strict):
    id: str
    kind: FactKind
    value: float | str | None = Field(description="number; ISO date for date/deadline")
    denominator: float | None = Field(None, description="y of x/y: maximum, rank pool, whole")
    unit: str | None = None
    qualifier: Qualifier = Qualifier.exact
    label: str | None = None
    indicator: str | None = Field(None, description="framework indicator id from the catalog")
    period: Period | None = None
    subject: str | None = None
    text: str
    span: Span
    location: FactLocation
    confidence: float = Field(ge=0, le=1)
    strategy: str = Field(description="which rule found it: pattern, table, ...")
    decimals: int | None = Field(None, description="decimal digits as written (tolerances)")
    pool: str | None = Field(None, description="rank: what the pool is, in the document's words")
    task: str | None = Field(None, description="deadline: what must be done")
    responsible: str | None = Field(None, description="deadline: who must do it")
    granularity: str | None = Field(None, description="date/deadline: day, month or year")
    change: Literal["increase", "decrease"] | None = Field(
        None, description="the figure is a change of a level ('tăng 1,39%', 'giảm 3 bậc'), not a level")
    alternatives: list[float] = Field(
        default_factory=list, description="other readings of an ambiguous or likely mistyped figure "
                                           "('5.9123' may be 59.123); a relation may confirm one")


class Evidence(Strict):
    """Why a relation was taken as stated: a cue, a complete split of a facet, sibling clauses
    written on one template, a pattern holding in a table's rows, or the odds of a coincidence."""

    kind: Literal["cue", "partition", "siblings", "table", "structure", "coincidence"]
    detail: str
    chance: float | None = Field(None, description="expected number of chance matches the search allowed")


class Check(Strict):
    id: str
    rule: str
    status: CheckStatus
    facts: list[str]
    expected: float | str | None = None
    actual: float | str | None = None
    tolerance: float | None = None
    explanation: str
    evidence: list[Evidence] = Field(default_factory=list)
    scope: str | None = Field(None, description="clause, sentence, block, blocks, siblings, section, "
                                                "table, document: where the relation was found")
    why: str | None = Field(None, description="for unverifiable: why it cannot be judged (Vietnamese)")


class DateRef(Strict):
    text: str
    value: str | None = Field(description="ISO date, or 'YYYY-MM' / 'YYYY' when parts are blank")
    granularity: str
    missing: list[str] = Field(default_factory=list, description="parts left blank in the source")


class LegalBasis(Strict):
    text: str
    span: Span
    doc_type: str | None = None
    number: str | None = None
    symbol: str | None = None
    date: str | None = None
    issuer: str | None = None


class Meta(Strict):
    doc_type: str | None = None
    number: str | None = None
    symbol: str | None = None
    issuer: str | None = None
    place: str | None = None
    date: DateRef | None = None
    title: str | None = None
    period: Period | None = None
    signer_title: str | None = None
    signer_name: str | None = None
    recipients: list[str] = Field(default_factory=list)
    legal_bases: list[LegalBasis] = Field(default_factory=list)


class SourceRef(Strict):
    path: str
    sha256: str
    format: Format
    pages: int | None = None


class ErrorRecord(Strict):
    code: str
    type: str
    message: str
    path: str | None = None
    hint: str | None = None


class Extraction(Strict):
    schema_version: str = EXTRACTION_SCHEMA_VERSION
    source: SourceRef
    text: str
    meta: Meta
    facts: list[Fact] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    errors: list[ErrorRecord] = Field(default_factory=list)

    @model_validator(mode="after")
    def _spans_match_text(self) -> Extraction:
        for f in self.facts:
            if self.text[f.span[0]:f.span[1]] != f.text:
                raise ValueError(f"fact {f.id}: text {f.text!r} is not text[{f.span[0]}:{f.span[1]}]")
        return self
