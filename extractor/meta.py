"""Document metadata: type, number and symbol, issuer, place and date, subject line, signer,
recipients, legal bases and the reporting period — read from the layout that Decree
30/2020/NĐ-CP prescribes, with web-article fallbacks (publication date, headline).

Blanks stay blanks: ``Số: /TB-VPUBND`` has a symbol and no number; ``ngày tháng 5 năm 2024``
is a date of month granularity with ``missing == ["day"]``.
"""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, ConfigDict

from extractor.context import to_period
from extractor.numbers import PERIOD_RE, parse_date, parse_period
from extractor.vocab import alternation, load_yaml
from schemas.document import Block, BlockKind, Document
from schemas.extraction import DateRef, LegalBasis, Meta

_HEAD_BLOCKS = 14



class DocType(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    abbr: str | None


class Layout(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    doc_types: list[DocType]
    article_type: str
    legal_doc_words: list[str]
    legal_basis_openers: list[str]
    body_words: list[str]
    issuer_verbs: list[str]
    signer_titles: list[str]
    motto: list[str]
    recipients_openers: list[str]
    not_titles: list[str]
    number_word: str
    date_words: dict[str, str]
    of_word: str
    publication_cues: list[str]
    issuer_stops: list[str]


@cache
def layout() -> Layout:
    return Layout.model_validate(load_yaml("documents.yaml"))


@cache
def _header_res() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The "Số:" line, the place-and-date line and a web article's publication line."""
    lay = layout()
    day, year = re.escape(lay.date_words["day"]), re.escape(lay.date_words["year"])
    number = re.compile(rf"^{re.escape(lay.number_word)}\s*:?\s*(?P<num>\d*)\s*/\s*"
                        r"(?P<sym>[A-ZĐ][\wĐđ.&-]*)")
    place_date = re.compile(rf"^(?P<place>[^,\n]{{2,40}}),\s*(?P<date>{day}\b.*?{year}\s*\d{{4}})")
    published = re.compile(rf"(?:{alternation(lay.publication_cues)})\s*:?\s*"
                           r"(?P<date>\d{1,2}/\d{1,2}/\d{4})", re.IGNORECASE)
    return number, place_date, published


def _number_line(t: str) -> re.Match[str] | None:
    return _header_res()[0].match(t)


@cache
def _cited_re() -> re.Pattern[str]:
    lay = layout()
    words = alternation(lay.legal_doc_words)
    day, month, year = (re.escape(lay.date_words[k]) for k in ("day", "month", "year"))
    stops = "|".join(r"\s+".join(map(re.escape, w.split())) for w in lay.issuer_stops)
    return re.compile(
        rf"""(?P<type>{words})\s+(?:số\s+)?
             (?P<number>\d+)(?:/(?P<year>\d{{4}}))?/(?P<symbol>[A-ZĐ][\wĐđ-]*)
             (?:\s+{day}\s+(?P<date>\d{{1,2}}/\d{{1,2}}/\d{{4}}|\d{{1,2}}\s+{month}\s+\d{{1,2}}\s+{year}\s+\d{{4}}))?
             (?:\s+{re.escape(lay.of_word)}\s+(?P<issuer>[^,;.()]{{3,80}}?)(?=\s+(?:{stops})\b|[,;.()]|$))?""",
        re.VERBOSE)


def _texts(doc: Document, blocks: list[Block]) -> list[str]:
    return [doc.text[b.span[0]:b.span[1]] for b in blocks]


def read_meta(doc: Document) -> Meta:
    head = [b for b in doc.blocks[:_HEAD_BLOCKS] if b.kind is not BlockKind.table]
    texts = _texts(doc, head)
    meta = Meta()
    _number_and_type(meta, texts)
    _place_and_date(meta, texts, doc.text)
    meta.title = _title(texts, meta.doc_type)
    meta.issuer = _issuer(texts)
    meta.legal_bases = _legal_bases(doc, head)
    _signature(meta, doc)
    year = int(meta.date.value[:4]) if meta.date and meta.date.value else None
    for source in (meta.title or "", doc.text[:3000]):
        m = PERIOD_RE.search(source)
        if m:
            value = parse_period(m.group(0), default_year=year)
            if value is not None:
                meta.period = to_period(value)
                break
    return meta


def _number_and_type(meta: Meta, texts: list[str]) -> None:
    types = layout().doc_types
    for t in texts:
        m = _number_line(t)
        if m and meta.symbol is None:
            meta.number = m.group("num") or None
            meta.symbol = m.group("sym")
        found = _type_line(t)
        if found and meta.doc_type is None:
            meta.doc_type = found.name.capitalize() if found.name != "CÔNG VĂN" else "Công văn"
    if meta.doc_type is None and meta.symbol:
        abbr = meta.symbol.split("-")[0]
        found = next((d for d in types if d.abbr == abbr), None)
        meta.doc_type = (found.name if found else "CÔNG VĂN").capitalize()
    if meta.doc_type is None:
        meta.doc_type = layout().article_type


def _type_line(t: str) -> DocType | None:
    """The type line ("THÔNG BÁO"), also when a PDF run it into the subject line after it."""
    for d in layout().doc_types:
        if t == d.name or (t.startswith(d.name + " ") and t[len(d.name) + 1:][:2].istitle()):
            return d
    return None


def _place_and_date(meta: Meta, texts: list[str], text: str) -> None:
    for t in texts:
        m = _header_res()[1].match(t)
        if m:
            meta.place = m.group("place").strip()
            meta.date = _date_ref(m.group("date"))
            return
    m = _header_res()[2].search(text[:2000])
    if m:
        meta.date = _date_ref(m.group("date"))


def _date_ref(s: str) -> DateRef | None:
    value = parse_date(s)
    if value is None:
        return None
    return DateRef(text=s, value=value.iso(), granularity=value.granularity, missing=value.missing)


def _title(texts: list[str], doc_type: str | None) -> str | None:
    lay = layout()
    skip = [w.lower() for w in (*lay.not_titles, *lay.motto)]
    for i, t in enumerate(texts):
        found = _type_line(t)
        if found is not None and t != found.name:
            return t[len(found.name):].strip()
        if found is not None and i + 1 < len(texts):
            return texts[i + 1]
    for t in texts:
        low = t.lower()
        if any(low.startswith(s) for s in skip) or _number_line(t) or _header_res()[1].match(t):
            continue
        if len(t.split()) >= 6 and not t.rstrip().endswith((".", ";", ":")) and len(t) < 300:
            return t
    return None


def _issuer(texts: list[str]) -> str | None:
    lay = layout()
    bodies = "|".join(re.escape(w) for w in lay.body_words)
    verbs = "|".join(re.escape(w) for w in lay.issuer_verbs)
    caps = [t for t in texts[:4] if t.isupper() and t not in lay.motto and not _number_line(t)
            and t.upper() not in {d.name for d in lay.doc_types}]
    if caps:
        return " ".join(caps)
    rx = re.compile(rf"(?:^|[,;]\s)(?P<body>(?:{bodies})\b[^,.;:()]{{0,50}}?)\s+(?:{verbs})\b")
    for t in texts:
        m = rx.search(t)
        if m:
            return m.group("body").strip()
    return None


def _legal_bases(doc: Document, head: list[Block]) -> list[LegalBasis]:
    openers = tuple(layout().legal_basis_openers)
    out: list[LegalBasis] = []
    for block in head:
        t = doc.text[block.span[0]:block.span[1]]
        if not t.startswith(openers):
            continue
        for m in _cited_re().finditer(doc.text, *block.span):
            date = parse_date(f"{layout().date_words['day']} {m.group('date')}") if m.group("date") else None
            out.append(LegalBasis(
                text=m.group(0), span=m.span(), doc_type=m.group("type"), number=m.group("number"),
                symbol=(f"{m.group('year')}/" if m.group("year") else "") + m.group("symbol"),
                date=date.iso() if date else None,
                issuer=m.group("issuer").strip() if m.group("issuer") else None))
    return out


def _signature(meta: Meta, doc: Document) -> None:
    lay = layout()
    texts = _texts(doc, [b for b in doc.blocks if b.kind is not BlockKind.footnote])
    start = next((i for i, t in enumerate(texts)
                  if any(t.startswith(o) for o in lay.recipients_openers)), None)
    if start is None:
        return
    rest = texts[start + 1:]
    meta.recipients = [t.lstrip("-–+• ").rstrip(";.") for t in rest if t.startswith(("-", "–", "+", "•"))]
    for i, t in enumerate(rest):
        if t.isupper() and any(w in t for w in lay.signer_titles):
            meta.signer_title = t
            names = [n for n in rest[i + 1:i + 4] if _looks_like_name(n)]
            meta.signer_name = names[0] if names else None
            return


def _looks_like_name(t: str) -> bool:
    parts = t.split()
    return 2 <= len(parts) <= 5 and all(p[:1].isupper() for p in parts) and not t.isupper()

