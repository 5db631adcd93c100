"""Legacy Vietnamese font encodings (TCVN3/ABC, VNI) → Unicode, and split-accent repair.

Before Unicode, Vietnamese documents were typed in fonts that draw ordinary 8-bit characters
as Vietnamese letters: TCVN3 (.VnTime, .VnArial; one byte a letter) and VNI (VNI-Times; a
base letter then a mark byte). Archives still hold them: old HTML pages and TXT exports
("B¸o c¸o", "Baùo caùo"), DOCX and PDF files whose runs are set in those fonts. They decode
"successfully" as windows-1252, so no charset check catches them; this module does.

How:

* **Tables are data** (``data/legacy_tcvn3.yaml``, ``data/legacy_vni.yaml``), loaded and
  validated once; keys are bytes, and a character that windows-1252 or Latin-1 decoded from
  that byte maps the same way, so text decoded either way converts.
* **Detection scores readings** (``detect``): the text as it is, as TCVN3 and as VNI; each
  reading's words are checked against Vietnamese spelling (``data/vi_syllables.yaml``:
  onset + nucleus + coda, one tone, checked codas, c/k g/gh ng/ngh). A legacy reading wins
  only when it is clearly better. Unicode Vietnamese already spells well as it is, so it is
  never converted, and neither is English or French text in Latin-1.
* **By font name first** (``scheme_for_font``; the names are the tables' data): DOCX runs
  (``DocxFonts``) and PDF glyphs (``convert_glyph_runs``) set in a .VnTime or VNI-Times font
  are converted by that font's table. In a PDF that names such a font, text in other fonts
  is left alone, so a Unicode paragraph beside a pasted .VnTime table stays as it is however
  it spells.
* **Run by run** (``convert_segments``): where no font says (TXT, HTML, files whose font
  names were lost), a document that mixes Unicode paragraphs and legacy ones is converted
  segment by segment; a segment holding a character no legacy font can produce (ệ, ư as
  Unicode) is left as it is.
* **Offset maps**: every conversion returns ``Converted(text, offsets)`` where
  ``offsets[i]`` is the index in the source of output character ``i`` (VNI turns two source
  characters into one), so a span of converted text still points into the source.
* **Split accents** (``repair_split_accents``): PDF text extraction puts stray spaces
  before combining marks and inside syllables ("thự c", "ng ười"); fragments are joined
  only when the result is a well-formed syllable and one fragment has no vowel.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from baocao.datafile import load_yaml

if TYPE_CHECKING:  # the PDF layout types, without importing the PDF side at run time
    from baocao.parsers.pdf_layout import Glyph, Line, PageText

__all__ = [
    "SchemeName", "Scheme", "Converted", "scheme", "scheme_for_font", "convert", "encode",
    "detect", "spelling_score", "is_syllable", "convert_segments", "convert_text",
    "fix_decoded", "repair_split_accents", "convert_pdf_line", "convert_glyph_runs",
    "convert_pdf_pages", "DocxFonts", "LegacyFont", "GlyphRun",
]

SchemeName = Literal["tcvn3", "vni"]
SCHEMES: tuple[SchemeName, ...] = ("tcvn3", "vni")
LegacyFont = tuple[SchemeName, bool]        # a legacy font's (scheme, capitals-only)
GlyphRun = tuple[int, int, LegacyFont]      # glyphs[start:end] drawn in one legacy scheme
# A legacy reading must spell at least this share of judged words right, and beat the
# text as it is by this margin; fewer judged words than MIN_WORDS decide nothing.
MIN_SHARE = 0.6
MARGIN = 0.2
MIN_WORDS = 3
_SAMPLE = 256 * 1024            # characters scored by ``detect``: enough, and bounded
_TONES = "\u0300\u0301\u0303\u0309\u0323"


class LegacyDataError(ValueError):
    """A legacy table in parsers/data is malformed: a broken install, not a broken file."""


# ------------------------------------------------------------------------------- the data

def _byte(key: str) -> int:
    value = int(key, 16)
    if not 0x80 <= value <= 0xFF:
        raise ValueError(f"byte {key} is outside 80-FF (ASCII is never remapped)")
    return value


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: SchemeName
    font_prefixes: list[str] = Field(min_length=1)
    upper_font: str | None
    table: dict[str, str] = Field(default_factory=dict)     # TCVN3: byte -> text
    letters: dict[str, str] = Field(default_factory=dict)   # VNI: byte -> letter
    marks: dict[str, str] = Field(default_factory=dict)     # VNI: byte -> combining marks

    @field_validator("table", "letters", "marks")
    @classmethod
    def _keys_are_bytes(cls, entries: dict[str, str]) -> dict[str, str]:
        for key, value in entries.items():
            _byte(key)
            if not value:
                raise ValueError(f"byte {key} maps to nothing")
        return entries

    @field_validator("marks")
    @classmethod
    def _marks_combine(cls, entries: dict[str, str]) -> dict[str, str]:
        for key, value in entries.items():
            if not all(unicodedata.combining(ch) for ch in value):
                raise ValueError(f"mark {key} is not a combining sequence")
        return entries


def _chars_of(byte: int) -> set[str]:
    """The characters a decoder may have produced for ``byte``: Latin-1's and windows-1252's."""
    out = {chr(byte)}
    try:
        out.add(bytes([byte]).decode("cp1252"))
    except UnicodeDecodeError:
        pass
    return out


@dataclass(frozen=True)
class Scheme:
    """One legacy encoding, compiled for conversion."""

    name: SchemeName
    font_prefixes: tuple[str, ...]
    upper_font: re.Pattern[str] | None
    single: dict[str, str]       # source character -> text (TCVN3 table, VNI letters)
    marks: dict[str, str]        # source character -> combining marks (VNI)
    source: frozenset[str]       # every character this encoding gives a meaning to


@cache
def scheme(name: SchemeName) -> Scheme:
    """The compiled table of ``name`` ("tcvn3" or "vni"), loaded and validated once."""
    try:
        raw = (files("baocao.parsers") / "data" / f"legacy_{name}.yaml").read_text(encoding="utf-8")
        data = _Table.model_validate(load_yaml(raw))
    except (OSError, yaml.YAMLError, ValueError) as e:
        raise LegacyDataError(f"parsers/data/legacy_{name}.yaml: {e}") from e
    single = {ch: text for key, text in (data.table | data.letters).items()
              for ch in _chars_of(_byte(key))}
    marks = {ch: text for key, text in data.marks.items() for ch in _chars_of(_byte(key))}
    for byte in range(0x80, 0xA0):   # a C1 control left by a Latin-1 decoding: its cp1252 sign
        if chr(byte) not in single and chr(byte) not in marks:
            single[chr(byte)] = bytes([byte]).decode("cp1252", errors="ignore") or chr(byte)
    upper = re.compile(data.upper_font) if data.upper_font else None
    return Scheme(data.name, tuple(data.font_prefixes), upper, single, marks,
                  frozenset(single) | frozenset(marks))


_SUBSET = re.compile(r"^[A-Z]{6}\+")     # a PDF subset font's tag: "ABCDEF+.VnTime"


def scheme_for_font(font: str | None) -> LegacyFont | None:
    """(scheme, capitals-only) of a font name (DOCX run, PDF font), or None if not legacy.

    >>> scheme_for_font(".VnTimeH"), scheme_for_font("ABCDEF+VNI-Times,Bold")
    (('tcvn3', True), ('vni', False))
    """
    if not font:
        return None
    name = _SUBSET.sub("", font.strip())
    for s in map(scheme, SCHEMES):
        if name.startswith(s.font_prefixes):
            return s.name, bool(s.upper_font and s.upper_font.search(name))
    return None


# ----------------------------------------------------------------------------- conversion

@dataclass(frozen=True)
class Converted:
    """Converted text; ``offsets[i]`` is the source index of ``text[i]`` (len(text) + 1
    entries, the last one the source length)."""

    text: str
    offsets: tuple[int, ...]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The source span of ``text[start:end]``."""
        return self.offsets[start], self.offsets[end]


def identity(text: str) -> Converted:
    return Converted(text, tuple(range(len(text) + 1)))


def convert(text: str, name: SchemeName, *, upper: bool = False) -> Converted:
    """``text`` read as ``name`` (TCVN3 or VNI) in Unicode NFC, with its offset map.

    ``upper``: the text was set in a capitals-only font (.VnTimeH), whose lowercase codes
    draw capitals.

    >>> convert("B¸o c¸o", "tcvn3").text, convert("Baùo caùo Vieät Nam", "vni").text
    ('Báo cáo', 'Báo cáo Việt Nam')
    """
    s = scheme(name)
    if not s.marks:                            # TCVN3: one character each, str.translate
        fast = text.translate(_translation(name))
        if not any(unicodedata.combining(ch) for ch in fast):
            fast = fast.upper() if upper else _raise_titles(fast)
            return Converted(fast, tuple(range(len(text) + 1)))
    units: list[tuple[str, int]] = []          # (grapheme text, source index)
    for i, ch in enumerate(text):
        mark = s.marks.get(ch)
        if mark is not None and units and _takes(units[-1][0], mark):
            prev, start = units[-1]
            units[-1] = (unicodedata.normalize("NFC", prev + mark), start)
            continue
        units.append((unicodedata.normalize("NFC", s.single.get(ch, ch)), i))
    if units and any(unicodedata.combining(u[0][0]) for u in units):
        units = _join_marks(units)             # TCVN3's standalone tone marks
    out: list[str] = []
    offsets: list[int] = []
    for unit, start in units:
        unit = unit.upper() if upper else unit
        out.append(unit)
        offsets.extend([start] * len(unit))
    offsets.append(len(text))
    result = "".join(out)
    if not upper and name == "tcvn3":
        result = _raise_titles(result)
    return Converted(result, tuple(offsets))


_WORDS = re.compile(r"[^\W\d_]+")


def _typed_caps(word: str) -> int:
    """How many ASCII capitals ``word`` has when it has no ASCII lowercase letter, else 0."""
    return 0 if any("a" <= ch <= "z" for ch in word) else sum("A" <= ch <= "Z" for ch in word)


def _raise_titles(text: str) -> str:
    """Capitals for the converted letters of title words. TCVN3 has no capital for most
    toned letters (titles were set in .VnTimeH), so "TH¤NG B¸O" converts to "THÔNG Báo":
    a word whose typed ASCII letters are two or more capitals is raised, and so is a word
    with one typed capital standing next to an all-capitals Vietnamese word ("NHIỆM Vụ",
    not "Số: /TB"); "Tỷ lệ" at the start of a sentence stays as it is."""
    words = list(_WORDS.finditer(text))
    caps = [_typed_caps(m.group(0)) for m in words]
    upper = [len(w) > 1 and w.isupper() and not w.isascii() for w in (m.group(0) for m in words)]
    out = list(text)
    for k, m in enumerate(words):
        word = m.group(0)
        if not caps[k] or word.isupper() or len(word.upper()) != len(word):
            continue
        near = (k > 0 and upper[k - 1]) or (k + 1 < len(words) and upper[k + 1])
        if caps[k] >= 2 or near:
            out[m.start():m.end()] = word.upper()
    return "".join(out)


@cache
def _translation(name: SchemeName) -> dict[int, str]:
    """``str.translate`` table of a one-character-each scheme (its letters are precomposed)."""
    return {ord(ch): unicodedata.normalize("NFC", text) for ch, text in scheme(name).single.items()}


_CIRCUMFLEX, _BREVE = "\u0302", "\u0306"


def _takes(base: str, mark: str) -> bool:
    """Whether a VNI mark can stand on ``base``: a vowel without a tone yet; a circumflex
    only on a, e, o and a breve only on a."""
    letters = unicodedata.normalize("NFD", base[-1:]).lower()
    if not letters or letters[0] not in "aeiouy" or any(t in letters for t in _TONES):
        return False
    if _CIRCUMFLEX in mark and letters[0] not in "aeo":
        return False
    return not (_BREVE in mark and letters[0] != "a")


def _join_marks(units: list[tuple[str, int]]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for unit, start in units:
        if out and unicodedata.combining(unit[0]) and out[-1][0][-1:].isalpha():
            out[-1] = (unicodedata.normalize("NFC", out[-1][0] + unit), out[-1][1])
        else:
            out.append((unit, start))
    return out


# ------------------------------------------------------------------------------- spelling

class _Syllables(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    onsets: list[str] = Field(min_length=1)
    nuclei: list[str] = Field(min_length=1)
    codas: list[str] = Field(min_length=1)
    checked_codas: list[str]
    forbidden: list[str]


@dataclass(frozen=True)
class _Speller:
    shape: re.Pattern[str]       # onset? nucleus coda? on the toneless syllable
    checked: re.Pattern[str]     # ends in a coda that takes only sắc or nặng
    forbidden: re.Pattern[str]


def _alternation(items: Sequence[str]) -> str:
    return "|".join(re.escape(i) for i in sorted(items, key=len, reverse=True))


@cache
def _speller() -> _Speller:
    try:
        raw = (files("baocao.parsers") / "data" / "vi_syllables.yaml").read_text(encoding="utf-8")
        data = _Syllables.model_validate(load_yaml(raw))
        shape = re.compile(f"(?:{_alternation(data.onsets)})?(?:{_alternation(data.nuclei)})"
                           f"(?:{_alternation(data.codas)})?")
        return _Speller(shape, re.compile(f"(?:{_alternation(data.checked_codas)})$"),
                        re.compile("|".join(f"(?:{p})" for p in data.forbidden)))
    except (OSError, yaml.YAMLError, ValueError, re.error) as e:
        raise LegacyDataError(f"parsers/data/vi_syllables.yaml: {e}") from e


@cache
def is_syllable(word: str) -> bool:
    """Whether ``word`` is spelled as one Vietnamese syllable (case and NFC/NFD ignored).

    >>> [is_syllable(w) for w in ("Việt", "nghiệp", "được", "Céng", "tồt", "B¸o", "UBND")]
    [True, True, True, False, False, False, False]
    """
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [ch for ch in decomposed if ch in _TONES]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    sp = _speller()
    if sp.shape.fullmatch(bare) is None or sp.forbidden.search(bare):
        return False
    return not (sp.checked.search(bare) and tones and tones[0] not in "\u0301\u0323")


# A word for scoring: letters with the 8-bit characters legacy text is made of (symbols
# like "¸" stay inside the word they break), trimmed of punctuation at its ends.
_WORD = re.compile(r"[^\s\d_!-/:-@\[-`{-~\u2010-\u206f\u00a0\u00ab\u00bb]+")
_OUTSIDE = re.compile(r"[^\x00-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
                      r"\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030"
                      r"\u2039\u203a\u20ac\u2122]")


def spelling_score(text: str) -> tuple[int, int]:
    """(well-spelled words, judged words): a word is judged when it holds a non-ASCII
    character, so English, figures and abbreviations count for no reading."""
    good = judged = 0
    for word in _WORD.findall(unicodedata.normalize("NFC", text)):
        if word.isascii():
            continue
        judged += 1
        good += is_syllable(word)
    return good, judged


def _share(counts: tuple[int, int]) -> float:
    good, judged = counts
    return good / judged if judged else 0.0


def detect(text: str) -> SchemeName | None:
    """The legacy encoding ``text`` is in, or None (Unicode, or not Vietnamese at all).

    Only lines a legacy font could have produced are scored, so Unicode paragraphs of a
    mixed document do not outvote its legacy ones.

    >>> detect("Céng hoµ x· héi chñ nghÜa ViÖt Nam"), detect("Coäng hoøa xaõ hoäi chuû nghóa")
    ('tcvn3', 'vni')
    >>> detect("Cộng hòa xã hội chủ nghĩa Việt Nam") is None
    True
    """
    sample = "\n".join(line for line in text[:_SAMPLE].splitlines() if _legacy_possible(line))
    base = spelling_score(sample)
    best: SchemeName | None = None
    best_share = _share(base) + MARGIN if base[1] >= MIN_WORDS else MARGIN
    for name in SCHEMES:
        counts = spelling_score(convert(sample, name).text)
        share = _share(counts)
        if counts[1] >= MIN_WORDS and share >= MIN_SHARE and share > best_share:
            best, best_share = name, share
    return best


def _legacy_possible(segment: str) -> bool:
    """A segment a legacy font could have produced: 8-bit characters only, some non-ASCII."""
    return not segment.isascii() and _OUTSIDE.search(segment) is None


def convert_segments(segments: Sequence[str], name: SchemeName) -> list[Converted]:
    """Convert each segment (a run, a line, a paragraph) that may be ``name`` unless it reads
    worse converted; leave Unicode segments as they are. A tie converts: the document was
    found to be ``name``, and short legacy lines often spell as well both ways ("Sè" and
    "Số" are both words)."""
    out = []
    for seg in segments:
        if _legacy_possible(seg):
            conv = convert(seg, name)
            if _share(spelling_score(conv.text)) >= _share(spelling_score(seg)):
                out.append(conv)
                continue
        out.append(identity(seg))
    return out


def convert_text(text: str, name: SchemeName | None = None) -> tuple[Converted, SchemeName | None]:
    """Detect (unless ``name`` is given) and convert ``text`` line by line; (result, scheme)."""
    name = name or detect(text)
    if name is None:
        return identity(text), None
    lines = text.splitlines(keepends=True)
    parts = convert_segments(lines, name)
    out: list[str] = []
    offsets: list[int] = []
    base = 0
    for line, conv in zip(lines, parts):
        out.append(conv.text)
        offsets.extend(base + o for o in conv.offsets[:-1])
        base += len(line)
    offsets.append(len(text))
    return Converted("".join(out), tuple(offsets)), name


def fix_decoded(text: str, codec_label: str) -> tuple[str, str | None]:
    """Text decoded from bytes (TXT, HTML) with legacy-font content converted; (text, warning).

    A single-byte decoding (windows-1258 turns byte 0xCC into a combining mark) is undone
    first, so the tables see the bytes; a UTF-8 text is converted as it is.
    """
    source = text
    if codec_label.startswith(("windows-", "iso-8859")):
        try:
            source = text.encode(codec_label).decode("latin-1")
        except (UnicodeError, LookupError):
            source = text
    if source.isascii():
        return text, None
    name = detect(source)
    if name is None:
        return text, None
    converted, _ = convert_text(source, name)
    if _share(spelling_score(converted.text[:_SAMPLE])) <= _share(spelling_score(text[:_SAMPLE])):
        return text, None
    return converted.text, f"legacy_encoding: {name.upper()} text converted to Unicode"


def encode(text: str, name: SchemeName) -> str:
    """``text`` written in a legacy font's codes (as Latin-1 characters): the inverse of
    ``convert``, for making test documents. A TCVN3 capital the font lacks is written with
    its lowercase code, as a .VnTimeH title is; what neither table holds is kept.

    >>> encode("Báo cáo Việt Nam", "tcvn3"), encode("Báo cáo Việt Nam", "vni")
    ('B¸o c¸o ViÖt Nam', 'Baùo caùo Vieät Nam')
    """
    inverse = _inverse(name)
    out = []
    for ch in unicodedata.normalize("NFC", text):
        code = inverse.get(ch)
        if code is None and ch.lower() != ch:
            code = inverse.get(ch.lower())
        out.append(code if code is not None else ch)
    return "".join(out)


@cache
def _inverse(name: SchemeName) -> dict[str, str]:
    s = scheme(name)
    latin = {ch: text for ch, text in s.single.items() if ord(ch) < 0x100}
    inverse = {unicodedata.normalize("NFC", text): ch for ch, text in sorted(latin.items())}
    if name == "vni":
        for base in "aeiouyAEIOUY" + "ơưƠƯ":
            for mark, seq in sorted(s.marks.items()):
                if ord(mark) < 0x100 and _takes(base, seq) and mark.islower() == base.islower():
                    head = inverse.get(base, base)
                    inverse.setdefault(unicodedata.normalize("NFC", base + seq), head + mark)
    return inverse


# -------------------------------------------------------------------------- split accents

_SPACE_BEFORE_MARK = re.compile(r"(?<=[^\W\d_])[ \t]+(?=[\u0300-\u036f])")
# A fragment with no vowel, standing alone: the piece a stray space cut off a syllable
# ("thự c", "ng ười", "đ ược"). Only around these is a join tried, which keeps the repair
# linear and cheap on clean text.
_CONSONANTS = re.compile(r"(?<![^\W\d_])[bcdđghklmnpqrstvx]{1,3}(?![^\W\d_\u0300-\u036f])",
                         re.IGNORECASE)
_LETTERS = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")
_LETTERS_BEFORE = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+$")


def _joinable(a: str, b: str) -> bool:
    """Two fragments one stray space apart that are one syllable: the join is well spelled
    and case agrees (the caller makes sure one of them has no vowel)."""
    if not a or not b or (b[0].isupper() and not a.isupper()):
        return False
    return is_syllable(a + b)


def repair_split_accents(text: str) -> Converted:
    """Remove the stray spaces PDF extraction leaves inside syllables; only spaces go, so
    the offset map is the kept characters' indices.

    >>> repair_split_accents("thự c hiện ng ười Vie \\u0323\\u0302t").text
    'thực hiện người Vie\\u0323\\u0302t'
    >>> repair_split_accents("điểm c khoản 2, TP HCM").text
    'điểm c khoản 2, TP HCM'
    """
    drop = _split_spaces(text)
    if not drop:
        return identity(text)
    kept = [i for i in range(len(text)) if i not in drop]
    return Converted("".join(text[i] for i in kept), tuple(kept) + (len(text),))


def _split_spaces(text: str) -> set[int]:
    """Indices of the stray spaces ``repair_split_accents`` removes."""
    drop = {i for m in _SPACE_BEFORE_MARK.finditer(text) for i in range(m.start(), m.end())}
    for m in _CONSONANTS.finditer(text):
        start, end = m.span()
        if start >= 2 and text[start - 1] == " " and start - 1 not in drop:
            before = _LETTERS_BEFORE.search(text, max(0, start - 17), start - 1)
            if before is not None and _joinable(before.group(0), m.group(0)):
                drop.add(start - 1)              # "thự c" → "thực"
                continue
        if end + 1 < len(text) and text[end] == " ":
            after = _LETTERS.match(text, end + 1)
            if after is not None and _joinable(m.group(0), after.group(0)):
                drop.add(end)                    # "ng ười" → "người"
    return drop


# ------------------------------------------------------------------------ PDF integration

def convert_pdf_line(text: str, font_name: str | None = None,
                     name: SchemeName | None = None) -> Converted:
    """One PDF line (or run) in Unicode: by its font when the font is a legacy one, else by
    the document's detected scheme ``name``; split accents repaired either way."""
    font = scheme_for_font(font_name)
    if font is not None:
        converted = convert(text, font[0], upper=font[1])
    elif name is not None:
        converted = convert_segments([text], name)[0]
    else:
        converted = identity(text)
    repaired = repair_split_accents(converted.text)
    if repaired.text == converted.text:
        return converted
    return Converted(repaired.text, tuple(converted.offsets[i] for i in repaired.offsets[:-1])
                     + (len(text),))


def convert_glyph_runs(glyphs: Sequence[Glyph], runs: Sequence[GlyphRun]
                       ) -> tuple[list[Glyph], dict[SchemeName, int]]:
    """``glyphs`` (a PDF page's, in content-stream order) with each run drawn in a legacy font
    converted by that font's table; and, per scheme, how many lines (baselines) were.

    ``parsers.pdf`` finds the runs by the font each glyph is drawn in (``scheme_for_font``),
    so a Unicode paragraph beside a .VnTime one is never touched, however it spells. It
    runs before lines and table cells are built, so both are made of Unicode glyphs that
    each keep a box.
    """
    out: list[Glyph] = []
    baselines: dict[SchemeName, set[int]] = {}
    done = 0
    for start, end, (name, upper) in runs:
        out.extend(glyphs[done:start])
        out.extend(_convert_run(glyphs[start:end], name, upper))
        baselines.setdefault(name, set()).update(round(g[4]) for g in glyphs[start:end])
        done = end
    out.extend(glyphs[done:])
    return out, {name: len(seen) for name, seen in baselines.items()}


def _convert_run(glyphs: Sequence[Glyph], name: SchemeName, upper: bool) -> list[Glyph]:
    """One run of glyphs in Unicode, each character with a box: a TCVN3 glyph's own, the
    union of a VNI letter's and its mark's (two glyphs, one character).

    The run is converted as one text, with a space where a glyph starts a word and a line
    break where it starts a line (its box is wholly above or below the previous one), so a
    VNI mark joins its letter, .VnTime titles are raised word by word (``convert``) and
    nothing joins across words or lines. The separators are not glyphs: each converted
    character keeps the space flag of its first glyph.
    """
    text: list[str] = []
    glyph_at: list[int] = []                 # the glyph of each character of ``text``; -1
    for i, g in enumerate(glyphs):           # for a separator
        if i:
            prev = glyphs[i - 1]
            sep = "\n" if g[2] >= prev[4] or g[4] <= prev[2] else " " if g[6] else ""
            if sep:
                text.append(sep)
                glyph_at.append(-1)
        text.extend(g[0])
        glyph_at.extend([i] * len(g[0]))
    source = "".join(text)
    if name == "tcvn3" and "-" in source:
        source = _HYPHEN_WORD.sub(_hyphen_as_u, source)
    converted = convert(source, name, upper=upper)
    offsets = converted.offsets
    out: list[Glyph] = []
    j, n = 0, len(converted.text)
    while j < n:
        k = j + 1
        while k < n and offsets[k] == offsets[j]:     # one source character's output
            k += 1
        drawn = sorted({glyph_at[s] for s in range(offsets[j], offsets[k]) if glyph_at[s] >= 0})
        if drawn:
            parts = [glyphs[i] for i in drawn]
            first = parts[0]
            out.append((converted.text[j:k], min(g[1] for g in parts), min(g[2] for g in parts),
                        max(g[3] for g in parts), max(g[4] for g in parts), first[5], first[6]))
        j = k
    return out


# A word holding a "-": what stands between spaces and outer punctuation.
_HYPHEN_WORD = re.compile(r"[^\s\"'()\[\],.;:!?]*-[^\s\"'()\[\],.;:!?]*")


def _hyphen_as_u(match: re.Match[str]) -> str:
    """TCVN3's "ư" is byte AD, which PDF's WinAnsiEncoding names "hyphen": a .VnTime PDF
    without a ToUnicode map extracts every "ư" as "-" ("ng-êi", "®-îc"). Where the word
    spells as one syllable with "ư" in that place ("người", "được"), the "-" is read as
    byte AD; a real hyphen ("RÞa-Vòng", "BC-NV", a list dash) makes no syllable and stays.
    One character for one, so the glyphs stay aligned with the text."""
    word = match.group(0)
    if not word.strip("-"):
        return word
    candidate = word.replace("-", "\xad")
    return candidate if is_syllable(convert(candidate, "tcvn3").text) else word


def convert_pdf_pages(pages: Sequence[PageText]) -> str | None:
    """Finish the text of ``parsers.pdf_layout.PageText`` pages in place; a warning or None.

    Runs drawn in a legacy font were converted by font name while the pages were read
    (``convert_glyph_runs``; counted in ``PageText.legacy_lines``). Only when no page named
    such a font (names lost or replaced on the way to PDF) does spelling decide: detection
    runs on the whole document's text, then each line part (and table cell line) that a
    legacy font could have produced is converted on its own, so Unicode lines stay as they
    are. Split accents are repaired in every line whatever the encoding.
    """
    by_font: Counter[SchemeName] = Counter()
    for page in pages:
        by_font.update(page.legacy_lines)
    lines = [ln for page in pages for ln in _page_lines(page)]
    name = None if by_font else detect("\n".join("".join(t for t, _ in ln.parts) for ln in lines))
    changed = 0
    for ln in lines:
        parts = [(_pdf_text(t, name), sup) for t, sup in ln.parts]
        if parts != ln.parts:
            ln.parts = parts
            changed += 1
    if by_font:
        said = ", ".join(f"{scheme_name.upper()} text in {count} line{'s' * (count != 1)}"
                         for scheme_name, count in sorted(by_font.items()))
        return f"legacy_encoding: {said} converted to Unicode by font name (.VnTime, VNI-Times)"
    if name is not None:
        return f"legacy_encoding: {name.upper()} text converted to Unicode ({changed} lines)"
    return None


def _pdf_text(text: str, name: SchemeName | None) -> str:
    """``convert_pdf_line(text, None, name).text`` without building offset maps: this runs
    on every line of every PDF."""
    if name is not None and _legacy_possible(text):
        text = convert_segments([text], name)[0].text
    drop = _split_spaces(text) if " " in text else set()
    return "".join(ch for i, ch in enumerate(text) if i not in drop) if drop else text


def _page_lines(page: PageText) -> list[Line]:
    """A page's lines and its table cells' lines."""
    out = list(page.lines)
    for table in page.tables:
        for cell in table.cells:
            out.extend(cell.lines)
    return out


# ----------------------------------------------------------------------- DOCX integration

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _font_of(rpr: object) -> str | None:
    """The font a w:rPr names for 8-bit text: w:hAnsi (used for bytes 0x80-0xFF), else
    w:ascii; None when it names none (theme fonts are never legacy fonts)."""
    fonts = rpr.find(f"{_W}rFonts") if rpr is not None else None  # type: ignore[attr-defined]
    if fonts is None:
        return None
    return fonts.get(f"{_W}hAnsi") or fonts.get(f"{_W}ascii")  # type: ignore[no-any-return]


class DocxFonts:
    """Which runs of a DOCX are set in a legacy font, and how to read their text.

    A run's font is its own w:rFonts, else its character style's, else its paragraph
    style's (each style through w:basedOn), else the document default, as Word resolves
    it. Runs in a .VnTime / VNI-Times font are converted by that font's table; if the body
    text of the other runs itself reads as TCVN3 or VNI (fonts substituted or lost on
    conversion), those runs are converted by the detected table, run by run (``text``).
    It lives here, not in parsers/docx.py, so everything about legacy fonts is in one place.
    """

    def __init__(self, body: object, styles: object | None) -> None:
        self._styles: dict[str, tuple[str | None, str | None]] = {}   # id -> (font, basedOn)
        self.default: str | None = None           # docDefaults font
        self.default_style: str | None = None     # the default paragraph style's id
        if styles is not None:
            self._read_styles(styles)
        self._runs: dict[tuple[object, str | None], tuple[SchemeName, bool] | None] = {}
        body_fonts = {_font_of(r) for r in body.iter(f"{_W}rPr")}  # type: ignore[attr-defined]
        fonts = body_fonts | {f for f, _ in self._styles.values()} | {self.default}
        self.by_font = any(scheme_for_font(f) for f in fonts)
        plain: list[str] = []
        self.legacy_runs = 0                      # text runs set in a legacy font
        for t in body.iter(f"{_W}t"):  # type: ignore[attr-defined]
            if t.text and not t.text.isascii():
                if self._scheme(t) is None:
                    plain.append(t.text)
                else:
                    self.legacy_runs += 1
        self.fallback = detect("\n".join(plain))
        self.active = self.legacy_runs > 0 or self.fallback is not None

    def _read_styles(self, root: object) -> None:
        defaults = root.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr")  # type: ignore[attr-defined]
        self.default = _font_of(defaults)
        for style in root.iterchildren(f"{_W}style"):  # type: ignore[attr-defined]
            based = style.find(f"{_W}basedOn")
            style_id = style.get(f"{_W}styleId", "")
            self._styles[style_id] = (_font_of(style.find(f"{_W}rPr")),
                                      based.get(f"{_W}val") if based is not None else None)
            if style.get(f"{_W}type") == "paragraph" and style.get(f"{_W}default") in {
                    "1", "true", "on"}:
                self.default_style = style_id

    def _scheme(self, t: object, para_style: str | None = None) -> tuple[SchemeName, bool] | None:
        """The legacy scheme of a w:t's run, by font; ``para_style`` found if not given."""
        if not self.by_font:
            return None
        run = t.getparent()  # type: ignore[attr-defined]
        if para_style is None:
            para_style = self._para_style(run)
        key = (run, para_style)
        if key not in self._runs:
            self._runs[key] = scheme_for_font(self.font(run, para_style))
        return self._runs[key]

    def _para_style(self, el: object) -> str | None:
        """The style id of the paragraph holding ``el`` (the default style if it names none)."""
        while el is not None and el.tag != f"{_W}p":  # type: ignore[attr-defined]
            el = el.getparent()  # type: ignore[attr-defined]
        style = el.find(f"{_W}pPr/{_W}pStyle") if el is not None else None  # type: ignore[attr-defined]
        return style.get(f"{_W}val") if style is not None else self.default_style

    def _style_font(self, style_id: str | None) -> str | None:
        for _ in range(16):                      # basedOn chains are short; cycles are bounded
            entry = self._styles.get(style_id or "")
            if entry is None:
                return None
            if entry[0]:
                return entry[0]
            style_id = entry[1]
        return None

    def font(self, run: object, para_style: str | None) -> str | None:
        """The font Word uses for the 8-bit text of ``run`` (a w:r) in a paragraph of style
        ``para_style``."""
        rpr = run.find(f"{_W}rPr")  # type: ignore[attr-defined]
        char_style = rpr.find(f"{_W}rStyle") if rpr is not None else None
        return (_font_of(rpr)
                or (self._style_font(char_style.get(f"{_W}val")) if char_style is not None
                    else None)
                or self._style_font(para_style) or self.default)

    def text(self, t: object, para_style: str | None) -> str:
        """The Unicode text of a w:t element in a paragraph of style ``para_style``."""
        raw: str = t.text or ""  # type: ignore[attr-defined]
        if not self.active or raw.isascii():
            return raw
        found = self._scheme(t, para_style)
        if found is not None:
            return convert(raw, found[0], upper=found[1]).text
        if self.fallback is not None:
            return convert_segments([raw], self.fallback)[0].text
        return raw

    def warning(self) -> str | None:
        """The builder warning saying what was converted, or None."""
        said = []
        if self.legacy_runs:
            said.append(f"{self.legacy_runs} runs in TCVN3/VNI fonts (.VnTime, VNI-Times)")
        if self.fallback is not None:
            said.append(f"{self.fallback.upper()} text in other fonts")
        return f"legacy_encoding: converted to Unicode: {'; '.join(said)}" if said else None
