"""Document metadata: type, number and symbol, issuer, place and date, subject line, signer,
recipients, legal bases and the reporting period — read from the layout that Decree
30/2020/NĐ-CP prescribes, with web-article fallbacks (publication date, headline).

Blanks stay blanks: ``Số: /TB-VPUBND`` has a symbol and no number; ``ngày tháng 5 năm 2024``
is a date of month granularity with ``missing == ["day"]``. What cannot be read stays None,
never a guess: a day OCR could not read ("ngày 1ƒtháng 3 năm 2025") is a blank, and so is a
number written by hand into the blank of a scanned form ("Số: 72 /TB-UBND", OCR'd apart from
its symbol) unless the text cites it again; a signature stamp's time is never the date.

The header is found wherever it stands: after a legal portal's box of fields and its
boilerplate, in a two-column layout table (each cell read on its own), or run together on one
OCR line. Every piece of text near the top is cut back into the header's own lines at the
lines the layout prescribes (the motto, "Số: ...", "<place>, ngày ... năm ...") before reading:

    read_meta
      ├─ _preamble        front matter and portal box: where the document proper starts
      ├─ _header          issuer, number and symbol, place and date, type and subject line,
      │                   read from _head_lines (the first blocks' layout lines, tables cell
      │                   by cell), with the portal's fields for what it lacks
      ├─ _read_article    (no header) headline and publication date of a web article
      ├─ _legal_bases, _signature
      └─ _own_period      the period of the title and opening, never one the text only cites,
                          compares with or aims at
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from baocao.extractor.context import to_period
from baocao.extractor.numbers import PERIOD_RE, PeriodValue, parse_date, parse_period
from baocao.extractor.vocab import alternation, load_model
from baocao.extractor.vocab import fold as _fold
from baocao.schemas.document import Block, BlockKind, Document
from baocao.schemas.extraction import DateRef, LegalBasis, Meta, Period

_HEAD_BLOCKS = 14      # blocks after the header read for legal bases, headline and issuer
_HEADER_SCAN = 40      # blocks searched for the header (legal portals put it below their box)
_HEADER_CHARS = 8000   # ... and at most this many characters into the text
_HEADER_SPAN = (3, 8)  # blocks before and after the first layout line that the header spans
_CITE_REACH = 120      # characters a citation reaches back within its clause
_DATE_LINE_CHARS = 60  # a web article's date line is short ("MINH AN 08:15, 03/12/2023")
_DATE_LINE_WORDS = 4   # ... with at most a by-line or a cue beside the date and time
_ISSUER_WORDS = 8      # an issuer named in the text ("Phòng Nội vụ tổng hợp") is short
_LAYOUT_CHARS = 400    # longer blocks are running text, never cut into header lines
_LABEL_CHARS = 40      # a portal box's label stands right before the last colon of its block


class DocType(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    abbr: str | None
    forward: bool = False


class PortalFields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    number: list[str]
    doc_type: list[str]
    issuer: list[str]
    date: list[str]
    other: list[str]


class FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    date: str


class Language(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    letters: str = Field(min_length=10)
    min_share: float = Field(gt=0, lt=1)
    min_letters: int = Field(ge=0)


class Layout(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    doc_types: list[DocType]
    article_type: str
    legal_doc_words: list[str]
    legal_basis_openers: list[str]
    body_words: list[str]
    issuer_verbs: list[str]
    aspect_markers: list[str]
    not_bodies: list[str]
    signer_titles: list[str]
    motto: list[str]
    recipients_openers: list[str]
    not_titles: list[str]
    number_word: str
    date_words: dict[str, str]
    of_word: str
    publication_cues: list[str]
    weekday_openers: list[str]
    issuer_stops: list[str]
    portal_fields: PortalFields
    citing_words: list[str]
    citing_words_inside: list[str]
    subject_connectors: list[str]
    not_own_before: list[str]
    subject_openers: list[str]
    address_openers: list[str]
    dispatch_verb: str
    front_matter: FrontMatter
    language: Language


@cache
def layout() -> Layout:
    return load_model(Layout, "documents.yaml")


NOT_VIETNAMESE = "no Vietnamese text"   # how the warning opens; ingest counts warnings by it


@cache
def _marked_re() -> re.Pattern[str]:
    """One character of ``documents.yaml``'s Vietnamese letters, either case."""
    rule = layout().language
    marked = {c for c in set(rule.letters) | set(rule.letters.upper()) if c.isalpha()}
    return re.compile("[" + "".join(map(re.escape, sorted(marked))) + "]")


def language_warning(text: str) -> str | None:
    """A warning for a document that is not in Vietnamese (``documents.yaml``: language).

    The Vietnamese letters are counted a slice at a time, and the count stops as soon as they
    make ``min_share`` of all the characters: then they make at least that share of the letters
    too, and a Vietnamese text is settled after its first third or so, without counting its
    letters (which runs once per character)."""
    rule = layout().language
    rx, n = _marked_re(), len(text)
    marked, step = 0, max(512, n // 16)
    for lo in range(0, n, step):
        marked += len(rx.findall(text, lo, lo + step))
        if marked / n >= rule.min_share:
            return None
    letters = sum(map(str.isalpha, text))         # counted in C: this ran once per character
    if letters < rule.min_letters:
        return None
    share = marked / letters
    if share >= rule.min_share:
        return None
    return (f"{NOT_VIETNAMESE}: {share:.1%} of the letters are Vietnamese ones (a Vietnamese "
            f"report has 20-29 %); is this file a report?")


def _words_re(phrase: str) -> str:
    """A folded phrase matched word by word, whatever stands between the words.

    Its first character comes before the test that no letter precedes it ("c(?<!\\wc)ong" is
    "(?<!\\w)cong"): an alternation of such phrases opens with a character set, which the
    regex engine searches for instead of trying the pattern at every position."""
    body = r"\W+".join(map(re.escape, re.findall(r"\w+", _fold(phrase)))) + r"(?!\w)"
    if not body[:1].isalnum():
        return r"(?<!\w)" + body
    return rf"{body[0]}(?<!\w{body[0]}){body[1:]}"


# ---------------------------------------------------------------- the header's own lines

@dataclass(frozen=True)
class _Res:
    motto: re.Pattern[str]       # on folded text
    number: re.Pattern[str]      # "Số: 45/CĐ-UBND"
    place_date: re.Pattern[str]  # "Gia Lai, ngày 03 tháng 02 năm 2025"
    published: re.Pattern[str]   # "Ngày đăng: 02/04/2024"
    short_date: re.Pattern[str]  # "02/04/2024", "16-01-2023"
    day_comma: re.Pattern[str]   # ", ngày": where a place-and-date line may end its place


@cache
def _res() -> _Res:
    lay = layout()
    day, month, year = (re.escape(lay.date_words[k]) for k in ("day", "month", "year"))
    motto = re.compile("|".join(_words_re(m) for m in lay.motto))
    number = re.compile(rf"""
        (?:(?<!\w)(?i:{re.escape(lay.number_word)})|^\S{{1,2}}) \s*:\s*   # "Số:", or OCR's "ỗ:"
        (?P<num>[^\s/:]{{0,8}}) \s*/\s*                  # the number: blank in drafts, OCR junk
        (?:(?P<year>[12]\d{{3}})/)?                       # the year of a legal document's number
        (?P<sym>[A-ZĐ][\wĐđ.&-]*)                         # the symbol: "CĐ-UBND", "SNV-VP"
    """, re.VERBOSE)
    place_date = re.compile(rf"""
        (?P<head>[^,\n]{{2,60}}) ,\s*                     # the place, trimmed by _place
        (?P<date>
            (?i:{day}) \s*(?P<d>\S{{0,4}}?)\s* {month} \s*(?P<m>\S{{0,4}}?)\s*   # day, month: blank,
            {year} \s*(?P<y>[12]\d{{3}})                                        # or OCR debris
          | (?i:{day}) \s+ (?P<dmy>\d{{1,2}}/\d{{1,2}}/[12]\d{{3}})
        )(?!\d)
    """, re.VERBOSE)
    published = re.compile(rf"(?:{alternation(lay.publication_cues)})\s*:?\s*"
                           r"(?P<date>\d{1,2}[/-]\d{1,2}[/-][12]\d{3})(?!\d)", re.IGNORECASE)
    short_date = re.compile(r"(?<![\d/-])(?P<date>\d{1,2}(?P<sep>[/-])\d{1,2}(?P=sep)[12]\d{3})"
                            r"(?![\d/-])")
    day_comma = re.compile(rf",\s*(?i:{day})")
    return _Res(motto, number, place_date, published, short_date, day_comma)


def _place(head: str) -> tuple[int, str] | None:
    """Where the place starts in the text before ", ngày", and the place: the trailing words
    without digits or symbols, capitalised at both ends ("Số: 72 /TB-UBND Quảng Trị" → "Quảng
    Trị")."""
    tokens = list(re.finditer(r"\S+", head))
    run: list[re.Match[str]] = []
    for tok in reversed(tokens[-6:]):
        if re.search(r"[\d/:|(){}\[\]<>~*]", tok.group()):
            break
        run.insert(0, tok)
    while run and not run[0].group()[0].isupper():
        run.pop(0)
    if not run or not run[-1].group()[0].isupper() or \
            head[run[0].start():].startswith(tuple(layout().weekday_openers)):
        return None   # "Thứ Hai, ngày 28/04/2025" is a page's clock, not a place and date
    return run[0].start(), head[run[0].start():].strip()


@cache
def _motto_shape() -> tuple[int, frozenset[str] | None]:
    """The fewest characters a motto takes (its words with one character between each two:
    folding keeps one character for one) and the letters it can open with (None: any), so that
    the lines that cannot hold it are told without folding them."""
    phrases = [re.findall(r"\w+", _fold(m)) for m in layout().motto]
    if not phrases or not all(phrases):
        return 0, None
    return (min(sum(map(len, words)) + len(words) - 1 for words in phrases),
            frozenset(words[0][0] for words in phrases))


def _cuts_motto(t: str) -> list[int]:
    if len(t) < _motto_shape()[0]:
        return []
    return [p for m in _res().motto.finditer(_fold(t)) for p in m.span()]


def _cuts_number(t: str) -> list[int]:
    return [p for m in _res().number.finditer(t) for p in m.span()] if ":" in t else []


def _place_date_search(t: str) -> re.Match[str] | None:
    """The first "<place>, ngày ... năm ..." in ``t``: found from its comma, then matched from
    at most 60 characters before it (a search from every position would cost far more)."""
    for comma in _res().day_comma.finditer(t):
        lo = max(t.rfind("\n", 0, comma.start()) + 1, t.rfind(",", 0, comma.start()) + 1,
                 comma.start() - 60)
        m = _res().place_date.match(t, lo)
        if m:
            return m
    return None


def _cuts_place_date(t: str) -> list[int]:
    m = _place_date_search(t)
    placed = _place(m.group("head")) if m else None
    return [m.start("head") + placed[0], m.end()] if m and placed else []


def _layout_lines(text: str) -> list[str]:
    """A cell or an OCR line cut at the lines the layout prescribes: "SỞ NỘI VỤ Số: /BC-SNV"
    → "SỞ NỘI VỤ", "Số: /BC-SNV"."""
    parts = [text]
    if len(text) > _LAYOUT_CHARS:
        return [text.strip()]
    for cuts in (_cuts_motto, _cuts_number, _cuts_place_date):
        parts = [piece for part in parts for piece in _cut(part, cuts(part))]
    return [p for p in (part.strip(" \t\n|*#") for part in parts) if _WORD.search(p)]


_WORD = re.compile(r"\w")


def _cut(text: str, at: list[int]) -> list[str]:
    bounds = [0, *sorted(set(at)), len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


@dataclass(frozen=True)
class _Line:
    text: str
    block: int
    ocr: bool = False


def _block_text(doc: Document, b: Block) -> str:
    return doc.text[b.span[0]:b.span[1]]


def _is_layout_table(block: Block) -> bool:
    """A small table holding the motto or the "Số:" line: the two-column header of a DOCX."""
    table = block.table
    return table is not None and table.n_rows <= 4 and any(
        _res().motto.search(_fold(c.text)) or _res().number.search(c.text) for c in table.cells)


def _head_lines(doc: Document, first: int, last: int, limit: int) -> tuple[list[_Line], int | None]:
    """The layout lines of the first blocks, up to the header's span past its first layout line
    at or after block ``first`` (the anchor, returned as an index into the lines), at most to
    block ``last`` and no further than ``limit`` into the text."""
    lines: list[_Line] = []
    anchor: int | None = None
    for i in range(min(last, len(doc.blocks))):
        block = doc.blocks[i]
        past = anchor is not None and i > lines[anchor].block + _HEADER_SPAN[1]
        if block.span[0] > limit or past:
            break
        if block.kind is BlockKind.footnote:
            continue
        if block.kind is BlockKind.table:
            texts = ([c.text for c in block.table.cells]
                     if block.table is not None and _is_layout_table(block) else [])
        else:
            texts = [_block_text(doc, block)]
        for line in (ln for t in texts for ln in _layout_lines(t)):
            lines.append(_Line(line, i, block.origin == "ocr"))
            if anchor is None and i >= first and _is_layout(line):
                anchor = len(lines) - 1
    return lines, anchor


_MOTTO_TRIM = " .-–—"


def _is_motto(t: str) -> bool:
    shortest, firsts = _motto_shape()
    if len(t) < shortest:
        return False
    if firsts is not None:   # the first character left after the trim must open a motto
        opening = next((f for f in map(_fold, t) if f not in _MOTTO_TRIM), None)
        if opening is None or opening not in firsts:
            return False
    return bool(_res().motto.fullmatch(_fold(t).strip(_MOTTO_TRIM)))


def _number_line(t: str) -> re.Match[str] | None:
    return _res().number.match(t)


def _place_date_line(t: str) -> re.Match[str] | None:
    m = _res().place_date.match(t)
    return m if m and _place(m.group("head")) == (0, m.group("head").strip()) else None


# ---------------------------------------------------------------- the preamble of a capture

@dataclass
class _Preamble:
    start: int = 0                                          # first block of the document proper
    front: dict[str, str] = field(default_factory=dict)    # front matter: title, date
    portal: dict[str, str] = field(default_factory=dict)   # portal box: number, doc_type, ...


def _preamble(doc: Document) -> _Preamble:
    """Front matter ("title: ...") and a legal portal's box of fields ("Số hiệu:" / value)."""
    pre = _Preamble()
    keys = layout().front_matter
    while pre.start < len(doc.blocks):
        m = re.match(r"([a-z_]+):\s+(.*)$", _block_text(doc, doc.blocks[pre.start]))
        if not m:
            break
        if m.group(1) in (keys.title, keys.date):
            pre.front[m.group(1)] = m.group(2).strip().strip("\"'")
        pre.start += 1
    end, labels, fields = _portal_box(doc)
    if labels >= 2:   # one label alone is a sentence, not a box
        pre.start = max(pre.start, end)
        pre.portal = {k: v for k, v in fields.items() if k != "other"}
    return pre


@cache
def _portal_label_re() -> tuple[re.Pattern[str], dict[str, str]]:
    names = {_fold(label): name for name, labels in layout().portal_fields.model_dump().items()
             for label in labels}
    alt = "|".join(_words_re(label) for label in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?P<label>{alt})\W*$"), names


def _portal_box(doc: Document) -> tuple[int, int, dict[str, str]]:
    """The block after the box, the number of labels and the fields' values."""
    rx, names = _portal_label_re()
    found: dict[str, str] = {}
    end, labels = 0, 0
    blocks = doc.blocks[:_HEADER_SCAN]
    for i, block in enumerate(blocks):
        text = _block_text(doc, block)
        colon = text.rfind(":")   # "Số hiệu:" ending its block, or "Số hiệu: 45/CĐ-UBND"
        m = rx.search(_fold(text[max(colon - _LABEL_CHARS, 0):colon])) if colon >= 0 else None
        if not m:
            continue
        value = text[colon + 1:].strip(" *#")
        if not value and i + 1 < len(blocks):
            value, end = _block_text(doc, blocks[i + 1]).strip(" *#"), i + 2
        else:
            end = i + 1
        name = names[" ".join(re.findall(r"\w+", m.group("label")))]
        found.setdefault(name, value)
        labels += 1
    return end, labels, found


# ---------------------------------------------------------------- the official header

@dataclass
class _Header:
    issuer: str | None = None
    number: re.Match[str] | None = None
    hand_filled: bool = False      # the number was written into the form's blank (OCR'd scan)
    place: str | None = None
    date: DateRef | None = None
    doc_type: DocType | None = None
    title: str | None = None
    last_block: int = -1


def _header(doc: Document, pre: _Preamble) -> _Header | None:
    """The header around the first layout line (motto, "Số:" line, place and date)."""
    origin = doc.blocks[pre.start].span[0] if pre.start < len(doc.blocks) else 0
    lines, anchor = _head_lines(doc, pre.start, pre.start + _HEADER_SCAN, origin + _HEADER_CHARS)
    if anchor is None:
        return None
    lo, hi = lines[anchor].block - _HEADER_SPAN[0], lines[anchor].block + _HEADER_SPAN[1]
    region = [ln for ln in lines if max(lo, pre.start) <= ln.block <= hi]
    head = _Header(issuer=_header_issuer(region))
    for k, ln in enumerate(region):
        _header_line(head, region, k)
    if head.hand_filled and head.number is not None and _confirmed(doc.text, head.number):
        head.hand_filled = False
    return head


def _confirmed(text: str, m: re.Match[str]) -> bool:
    """The number and symbol cited again in the text ("Kèm theo Thông báo số 72/TB-UBND")."""
    year = f"{m.group('year')}/" if m.group("year") else ""
    return len(re.findall(rf"(?<!\d){m.group('num')}/{year}{re.escape(m.group('sym'))}", text)) >= 1


def _header_line(head: _Header, region: list[_Line], k: int) -> None:
    t = region[k].text
    if head.number is None and (m := _number_line(t)):
        head.number, head.last_block = m, max(head.last_block, region[k].block)
        head.hand_filled = region[k].ocr and m.group("num").isdigit() and \
            m.group(0)[m.end("num") - m.start():].startswith((" ", "\t"))
    elif head.date is None and (m := _place_date_line(t)):
        head.place = m.group("head").strip()
        head.date = _header_date(m)
        head.last_block = max(head.last_block, region[k].block)
    elif head.doc_type is None and (found := _type_line(t)):
        head.doc_type, rest = found
        head.title = rest or _next_title(region, k)
        title_line = k if rest or head.title is None else k + 1
        head.last_block = max(head.last_block, region[title_line].block)
    elif head.title is None and head.doc_type is None and _subject_line(t):
        head.title = t


def _is_layout(t: str) -> bool:
    return _is_motto(t) or bool(_number_line(t)) or bool(_place_date_line(t))


def _header_issuer(region: list[_Line]) -> str | None:
    """The capitals just above the motto or the "Số:" line (the issuer heads the left column),
    with any OCR debris before them dropped ("TTĐT~ ỦY BAN NHÂN DÂN TỈNH")."""
    for k, ln in enumerate(region):
        if k == 0 or not (_is_motto(ln.text) or _number_line(ln.text)):
            continue
        line = region[k - 1].text
        words = [] if _is_layout(line) else _upper_tail(line)
        if len(words) < 2:
            continue
        above = region[k - 2].text if k >= 2 else ""   # a two-line issuer: parent body, then unit
        if len(words) == len(line.split()) and not _is_layout(above) \
                and len(_upper_tail(above)) == len(above.split()) >= 2:
            words = above.split() + words
        return " ".join(_from_body_word(words))
    return None


def _upper_tail(text: str) -> list[str]:
    words: list[str] = []
    tokens = text.split()
    while tokens and not re.search(r"\w", tokens[-1]):
        tokens.pop()   # a rule under the name ("SỞ NỘI VỤ -------")
    for tok in reversed(tokens):
        if not (tok.isupper() and re.fullmatch(r"[^\W\d_]+(?:[.&-][^\W\d_]+)*[.,]?", tok)):
            break
        words.insert(0, tok)
    return words


def _from_body_word(words: list[str]) -> list[str]:
    folded = [_fold(w) for w in words]
    bodies = [re.findall(r"\w+", _fold(b)) for b in layout().body_words]
    for i in range(len(words)):
        if any(folded[i:i + len(b)] == b for b in bodies):
            return words[i:]
    return words


def _header_date(m: re.Match[str]) -> DateRef | None:
    """The date of the place-and-date line; a day or month that OCR left unreadable is a blank."""
    if m.group("dmy"):
        return _date_ref(m.group("dmy"), m.group("date"))
    words = layout().date_words
    parts = [m.group("d"), m.group("m")]
    day, month = (p if p.isdigit() else "" for p in parts)
    clean = f"{words['day']} {day} {words['month']} {month} {words['year']} {m.group('y')}"
    return _date_ref(re.sub(r"\s+", " ", clean), m.group("date"))


def _date_ref(s: str, text: str | None = None) -> DateRef | None:
    value = parse_date(s)
    if value is None:
        return None
    return DateRef(text=text or s, value=value.iso(), granularity=value.granularity,
                   missing=value.missing)


def _type_line(t: str) -> tuple[DocType, str] | None:
    """The type line in capitals ("CÔNG ĐIỆN"), also when the subject line runs on after it
    ("CÔNG ĐIỆN VỀ VIỆC ...", "TỜ TRÌNH Dự thảo ...") or OCR put debris before it ("<© CÔNG
    ĐIỆN")."""
    t = re.sub(r"^[\W\d_]+", "", t)
    folded = _fold(t)
    for d in layout().doc_types:
        name = _fold(d.name)
        if not folded.startswith(name) or not t[:len(name)].isupper():
            continue
        rest = t[len(name):]
        if not rest or (rest[0] == " " and rest.strip()[:1].isupper()):
            return d, rest.strip()
    return None


def _next_title(region: list[_Line], k: int) -> str | None:
    nxt = region[k + 1].text if k + 1 < len(region) else None
    return nxt if nxt and not _is_layout(nxt) and not _type_line(nxt) else None


def _subject_line(t: str) -> bool:
    return any(t.startswith(o + " ") for o in layout().subject_openers)


def _trim_title(title: str | None, issuer: str | None) -> str | None:
    """The subject line ends where the address begins, or a dispatch's sender formula: the
    sender (the issuer or a title, "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH") and "điện:"."""
    if title is None:
        return None
    lay = layout()
    end = len(title)
    if m := re.search(rf"\s*(?:{alternation(lay.address_openers)})\s*:", title):
        end = m.start()
    if m := re.search(rf"\s+{re.escape(lay.dispatch_verb)}\s*:", title[:end]):
        senders = alternation([*lay.signer_titles, *([issuer] if issuer else [])])
        starts = [s.start() for s in re.finditer(rf"(?<!\w)(?:{senders})(?!\w)", title[:m.start()])]
        end = starts[-1] if starts else m.start()
    return title[:end].strip() or None


# ---------------------------------------------------------------- reading it all

def read_meta(doc: Document) -> Meta:
    pre = _preamble(doc)
    head = _header(doc, pre)
    meta = Meta()
    title_block: int | None
    if head is not None:
        _from_header(meta, head)
        body = max(head.last_block + 1, pre.start)
        title_block = head.last_block
    else:
        title_block = _read_article(meta, doc, pre)
        body = title_block + 1 if title_block is not None else pre.start
    _from_portal(meta, pre)
    meta.doc_type = meta.doc_type or _type_from_symbol(meta.symbol)
    blocks = [b for b in doc.blocks[body:body + _HEAD_BLOCKS] if b.kind is not BlockKind.table]
    meta.issuer = meta.issuer or _issuer_in_text([_block_text(doc, b) for b in blocks])
    meta.legal_bases = _legal_bases(doc, _legal_basis_blocks(doc, body))
    _signature(meta, doc)
    meta.period = _own_period(meta, _opening(doc, body))
    return meta


def _from_header(meta: Meta, head: _Header) -> None:
    if head.number is not None:
        readable = head.number.group("num").isdigit() and not head.hand_filled
        meta.number = head.number.group("num") if readable else None
        year = head.number.group("year")
        meta.symbol = (f"{year}/" if year else "") + head.number.group("sym").rstrip(".-")
    meta.issuer, meta.place, meta.date = head.issuer, head.place, head.date
    if head.doc_type is not None:
        meta.doc_type = head.doc_type.name.capitalize()
    meta.title = _trim_title(head.title, head.issuer)


def _from_portal(meta: Meta, pre: _Preamble) -> None:
    """What the document's own header did not give, from the portal's box of fields (or the
    front matter's date)."""
    fields = pre.portal
    if meta.symbol is None and (m := re.match(r"(\d*)/(?:([12]\d{3})/)?([A-ZĐ][\wĐđ.&-]*)",
                                              fields.get("number", ""))):
        meta.number = m.group(1) or None
        meta.symbol = (f"{m.group(2)}/" if m.group(2) else "") + m.group(3)
    if meta.doc_type is None and fields.get("doc_type"):
        value = fields["doc_type"]
        found = next((d for d in layout().doc_types if _fold(d.name) == _fold(value)), None)
        meta.doc_type = found.name.capitalize() if found else value
    meta.issuer = meta.issuer or fields.get("issuer") or None
    if meta.date is None and fields.get("date"):
        meta.date = _date_ref(fields["date"])
    if meta.date is None and pre.front.get("date"):
        meta.date = _rfc_date(pre.front["date"])


def _rfc_date(text: str) -> DateRef | None:
    try:
        value = parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        return None
    return DateRef(text=text, value=value.isoformat(), granularity="day", missing=[])


def _type_from_symbol(symbol: str | None) -> str:
    """A symbol's type part names the type ("BC-SNV"); a symbol without one is a Công văn."""
    lay = layout()
    if symbol is None:
        return lay.article_type
    part = _fold(symbol.split("/")[-1].split("-")[0])   # OCR may lose a mark: "CD-UBND"
    found = next((d for d in lay.doc_types if d.abbr and _fold(d.abbr) == part), None)
    letter = next(d for d in lay.doc_types if d.abbr is None)
    return (found or letter).name.capitalize()


# ---------------------------------------------------------------- web articles

def _read_article(meta: Meta, doc: Document, pre: _Preamble) -> int | None:
    """Headline and publication date of a page without an official header; returns the
    headline's block."""
    blocks = list(range(pre.start, min(pre.start + _HEAD_BLOCKS, len(doc.blocks))))
    texts = {i: _block_text(doc, doc.blocks[i]) for i in blocks
             if doc.blocks[i].kind is not BlockKind.table}
    title_block = None
    if "title" in pre.front:   # the front matter's headline, without the site's tag
        meta.title = re.sub(r"^\s*\[[^\]]*\]\s*", "", pre.front["title"]) or None
    elif not pre.portal:       # a portal capture of an official text has no headline
        title_block = next((i for i, t in texts.items() if _is_headline(t)), None)
        meta.title = texts[title_block] if title_block is not None else None
    if pre.portal:
        return title_block
    start = doc.blocks[pre.start].span[0] if pre.start < len(doc.blocks) else 0
    m = _res().published.search(doc.text, start, start + 2000)
    meta.date = _date_ref(m.group("date")) if m else _date_line(texts, title_block)
    return title_block


def _is_headline(t: str) -> bool:
    lay = layout()
    skip = tuple(w.lower() for w in (*lay.not_titles, *lay.motto))
    return (len(t.split()) >= 6 and len(t) < 300 and not t.rstrip().endswith((".", ";", ":"))
            and not t.lower().startswith(skip) and not t.startswith(("[", "!["))
            and not _is_dateline(t) and not _is_clock(t) and not _is_layout(t))


def _is_dateline(t: str) -> bool:
    """A short line that gives a date and little else: "07:30, 12/11/2021", "MINH AN 08:15,
    03/12/2023", "Ngày đăng: 02/04/2024 10:15" (a by-line or a cue at most beside it)."""
    if len(t) > _DATE_LINE_CHARS or not _res().short_date.search(t):
        return False
    rest = re.sub(r"\d{1,2}:\d{2}(?::\d{2})?|" + _res().short_date.pattern, " ", t)
    return len(re.findall(r"[^\W\d_]+", rest)) <= _DATE_LINE_WORDS


def _is_clock(t: str) -> bool:
    """A page's clock: a weekday and a date ("Thứ năm 25/04/2024 08:05 Tin nóng RSS")."""
    return t.startswith(tuple(layout().weekday_openers)) and bool(_res().short_date.search(t))


def _date_line(texts: dict[int, str], title: int | None) -> DateRef | None:
    """A short line with the date just below the headline ("07:30, 12/11/2021"), or above it
    unless it opens with a weekday: above the headline that is the portal's clock."""
    order = [title + 1, title + 2, title - 1, title - 2] if title is not None else sorted(texts)[:4]
    for i in order:
        t = texts.get(i, "")
        if _is_dateline(t) and not ((title is None or i < title) and _is_clock(t)):
            found = _res().short_date.search(t)
            if found is not None:
                return _date_ref(found.group("date"))
    return None


def _issuer_in_text(texts: list[str]) -> str | None:
    """The body that speaks in the first paragraphs: "Phòng Nội vụ tổng hợp ..."."""
    lay = layout()
    bodies = "|".join(re.escape(w) for w in lay.body_words)
    verbs = "|".join(re.escape(w) for w in lay.issuer_verbs)
    aspect = "|".join(re.escape(w) for w in lay.aspect_markers)
    not_bodies = alternation(lay.not_bodies)
    rx = re.compile(rf"(?:^|[,;]\s)(?!{not_bodies})(?P<body>(?:{bodies})\b[^,.;:()]{{0,50}}?)\s+"
                    rf"(?:(?:{aspect})\s+)?(?:{verbs})\b")
    for t in texts:
        for m in rx.finditer(t):
            if len(m.group("body").split()) <= _ISSUER_WORDS:
                return m.group("body").strip()
    return None


# ---------------------------------------------------------------- legal bases

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


def _legal_basis_blocks(doc: Document, body: int) -> list[Block]:
    """The paragraphs before the first numbered section (at most _HEAD_BLOCKS without one)."""
    first = min((s.heading_block for s in doc.sections if s.heading_block >= body),
                default=body + _HEAD_BLOCKS)
    return [b for b in doc.blocks[body:min(first, body + _HEADER_SCAN)] if b.kind is not BlockKind.table]


def _legal_bases(doc: Document, blocks: list[Block]) -> list[LegalBasis]:
    openers = tuple(layout().legal_basis_openers)
    out: list[LegalBasis] = []
    for block in blocks:
        if not _block_text(doc, block).startswith(openers):
            continue
        for m in _cited_re().finditer(doc.text, *block.span):
            date = parse_date(f"{layout().date_words['day']} {m.group('date')}") if m.group("date") else None
            out.append(LegalBasis(
                text=m.group(0), span=m.span(), doc_type=m.group("type"), number=m.group("number"),
                symbol=(f"{m.group('year')}/" if m.group("year") else "") + m.group("symbol"),
                date=date.iso() if date else None,
                issuer=m.group("issuer").strip() if m.group("issuer") else None))
    return out


# ---------------------------------------------------------------- recipients and signer

_SIGNATURE_LEAD = re.compile(r"[*_ ]*")   # what _signature strips off a block before its opener


def _opens_with(text: str, span: tuple[int, int], openers: tuple[str, ...]) -> bool:
    """``text[span].lstrip("*_ ").startswith(openers)``, tested in place (no copy of the block)."""
    lead = _SIGNATURE_LEAD.match(text, *span)
    return lead is not None and text.startswith(openers, lead.end(), span[1])


def _signature(meta: Meta, doc: Document) -> None:
    """"Nơi nhận:" and its list, then the signer's title in capitals and the name: on lines of
    their own, on one line ("KT. CHỦ TỊCH PHÓ CHỦ TỊCH Lê Văn An"), or in the cells of
    the signature table beside the list."""
    openers = tuple(layout().recipients_openers)
    blocks = [b for b in doc.blocks if b.kind is not BlockKind.footnote]
    start = next((i for i, b in enumerate(blocks) if _opens_with(doc.text, b.span, openers)), None)
    if start is None:
        return
    block = blocks[start]
    texts = [_block_text(doc, b).lstrip("*_ ") for b in blocks[start:]]   # from the opener on
    if block.kind is BlockKind.table and block.table is not None:
        cells = [c.text for c in block.table.cells]
        own = next((c for c in cells if c.startswith(openers)), texts[0])
        after = [c for c in cells if c != own] + texts[1:4]
    else:
        own, after = texts[0], texts[1:]
    meta.recipients = _items(own.split(":", 1)[1] if ":" in own else "")
    while after and after[0].startswith(("-", "–", "+", "•")):
        meta.recipients += _items(after.pop(0))
    for i, t in enumerate(after[:6]):
        signer = _signer(t)
        if signer is not None:
            meta.signer_title, name = signer
            names = [name] if name else [n for n in after[i + 1:i + 3] if _looks_like_name(n)]
            meta.signer_name = names[0] if names else None
            return


def _items(text: str) -> list[str]:
    parts = re.split(r"(?:^|\s)[-–+•]\s+", text.strip())
    return [p.strip().rstrip(";.").strip() for p in parts if p.strip(" ;.")]


def _signer(t: str) -> tuple[str, str | None] | None:
    """The signer's title (capitals, with a title word) and the name run on after it."""
    tokens = t.split()
    k = 0
    while k < len(tokens) and tokens[k].isupper() and not re.search(r"\d", tokens[k]):
        k += 1
    title = " ".join(tokens[:k])
    if not title or k > 12 or not any(w in title for w in layout().signer_titles):
        return None
    name = " ".join(tokens[k:])
    if name and not _looks_like_name(name):
        return None
    return title, name or None


def _looks_like_name(t: str) -> bool:
    parts = t.split()
    return 2 <= len(parts) <= 5 and all(p[:1].isupper() for p in parts) and not t.isupper()


# ---------------------------------------------------------------- the document's own period

def _opening(doc: Document, body: int) -> list[str]:
    """The paragraphs that open the text, up to the first numbered section (date lines and
    repeated leads left out)."""
    sections = {s.heading_block for s in doc.sections}
    out: list[str] = []
    for i in range(body, min(body + _HEAD_BLOCKS, len(doc.blocks))):
        block = doc.blocks[i]
        if i in sections:
            break
        text = _block_text(doc, block)
        if block.kind in (BlockKind.paragraph, BlockKind.list_item, BlockKind.heading) \
                and not _is_dateline(text) and not _is_clock(text) and text not in out:
            out.append(text)
    return out


def _own_period(meta: Meta, opening: list[str]) -> Period | None:
    """The first period of the title and the opening that the text does not only cite, compare
    with or aim at; a period without its year is taken as restated with it ("quý I" ... "quý I
    năm 2023")."""
    year = int(meta.date.value[:4]) if meta.date and meta.date.value else None
    first: PeriodValue | None = None
    for text in [meta.title or "", *opening]:
        for m in PERIOD_RE.finditer(text):
            if _cited(text, m.start()) or _baseline(text, m.start()):
                continue
            value = parse_period(m.group(0), default_year=year)
            if value is None or _ahead(value, meta):
                continue
            dated = re.search(r"\d{4}", value.text) is not None
            if first is None and dated:
                return to_period(value)
            if first is None:
                first = value
            elif dated and _fold(value.text).startswith(_fold(first.text) + " "):
                return to_period(value)
    return to_period(first) if first is not None else None


@cache
def _baseline_re() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation(layout().not_own_before)})\s*$", re.IGNORECASE)


def _baseline(text: str, at: int) -> bool:
    """A period compared with or aimed at ("so với năm 2022", "đến năm 2030")."""
    return bool(_baseline_re().search(text, max(at - 30, 0), at))


def _ahead(period: PeriodValue, meta: Meta) -> bool:
    """A period that begins after the document's date is a deadline or a target ("trình thông
    qua tại kỳ họp (tháng 12/2024)" in a report of July 2024), unless the document plans
    ahead."""
    date = meta.date.value if meta.date and meta.date.value else None
    forward = any(d.forward and d.name.capitalize() == meta.doc_type for d in layout().doc_types)
    return bool(date and period.start and not forward and period.start[:len(date)] > date)


@cache
def _citing_res() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    lay = layout()
    names = re.compile(rf"(?<!\w)(?:{alternation(lay.citing_words)})(?!\w)")
    inside = re.compile(rf"(?<=\w\s)(?:{alternation(lay.citing_words_inside)})(?!\w)")
    about = re.compile(rf"(?<!\w)(?:{alternation(lay.subject_connectors)})(?!\w)")
    return names, inside, about


def _cited(text: str, at: int) -> bool:
    """A period written after a document's name in the same clause belongs to that document
    ("Luật Quản lý hành chính năm 2019"), unless the subject connector comes between ("Quyết định
    ... về việc công bố ... năm 2023")."""
    lo = max(at - _CITE_REACH, 0)
    clause_start = max(lo, max(text.rfind(c, lo, at) for c in ",;:.()") + 1)
    names, inside, about = _citing_res()
    ends = [m.end() for rx in (names, inside) for m in rx.finditer(text, clause_start, at)]
    return bool(ends) and not about.search(text, max(ends), at)
