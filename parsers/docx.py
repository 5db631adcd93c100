"""DOCX → Document: paragraphs and tables in body order, Word's list numbers, real footnotes.

Why it is built this way:

* The ZIP directory is checked before any member is inflated (declared sizes, compression
  ratio), so a zip bomb costs one directory read instead of the memory it would inflate to.
* python-docx opens the package and resolves the parts (main document, styles, numbering,
  footnotes, endnotes) through the relationships, as Word does, so renamed parts still resolve.
  The body is then walked element by element on python-docx's lxml tree (``w:body`` children
  in order, looking through ``w:sdt``): python-docx's paragraph and table objects hide the
  content controls, vertical merges, revisions and note references this reader needs.
  python-docx's package objects hold reference cycles (measured: RSS 48 → ~160 MB over 100
  reports until the cyclic GC runs), so batch callers collect garbage between files.
* Word computes part of what a reader sees. List numbers ("2.", "a)", "II.") come from
  numbering.xml, and footnote numbers come from the order of reference. Both are rendered into
  the text here, so the outline and the footnote linker see "2. Cải cách thể chế" and "[6]" in
  a DOCX as they do in the PDF of the same report.

Decisions:

* Footnotes are labelled "1", "2", ... in the order of their first reference in the body, as
  Word displays them. Endnotes continue that sequence after the last footnote (F+1, F+2, ...)
  instead of Word's "i, ii": the builder links only numeric "[n]" markers. A note that is never
  referenced is skipped with a warning.
* List counters belong to the abstract numbering definition, as in Word: two ``w:num`` that
  share an ``w:abstractNum`` continue one list unless a ``w:startOverride`` restarts it.
* A table nested in a cell is flattened into that cell's text (its cells joined by a space, its
  rows by "; "), with a warning, so its figures stay in the right outer cell.
* A text box (``w:txbxContent``) is read once, from ``mc:Choice`` and never from the
  ``mc:Fallback`` copy, and its text is appended to the paragraph that anchors it.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TypeAlias, cast

import docx
import yaml
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree
from pydantic import BaseModel, ConfigDict, field_validator

from baocao.datafile import load_yaml
from baocao.parsers.base import Limits
from baocao.parsers.builder import CellIn, DocumentBuilder
from baocao.parsers.errors import (
    CorruptFileError,
    EncryptedFileError,
    ResourceLimitError,
)
from baocao.parsers.legacy import DocxFonts
from baocao.schemas.document import BlockKind, Document, Location, Source

__all__ = ["read_docx", "load_package", "check_zip", "Package"]

Element: TypeAlias = etree._Element
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = {"w": _W, "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006"}


@cache
def _q(name: str) -> str:
    return f"{{{_W}}}{name}"


_P, _TBL, _TR, _TC, _R = _q("p"), _q("tbl"), _q("tr"), _q("tc"), _q("r")
_SDT, _SDT_CONTENT, _CUSTOM_XML, _ALT_CHUNK = (_q("sdt"), _q("sdtContent"), _q("customXml"),
                                               _q("altChunk"))
_PPR, _RPR, _TCPR, _TRPR = _q("pPr"), _q("rPr"), _q("tcPr"), _q("trPr")
_T, _SYM, _NB_HYPHEN = _q("t"), _q("sym"), _q("noBreakHyphen")
_FOOTNOTE_REF, _ENDNOTE_REF = _q("footnoteReference"), _q("endnoteReference")
_VAL, _ID, _TYPE, _CHAR = _q("val"), _q("id"), _q("type"), _q("char")
_BLOCKS = (_P, _TBL)
_FALSE = {"0", "false", "off"}
_NOTE_SEPARATORS = {"separator", "continuationSeparator", "continuationNotice"}
# Symbol-font code points (w:sym, Private Use Area) that change a figure's meaning
_SYMBOLS = {0xF0A3: "≤", 0xF0B3: "≥", 0xF0B1: "±", 0xF0B4: "×", 0xF0B8: "÷", 0xF0AE: "→"}

# Run content that shows as text, outside deleted and moved-away revisions and fallback copies;
# ".//w:p" inside a paragraph only matches text-box paragraphs, and marks their boundary.
_LIVE = "not(ancestor::w:del or ancestor::w:moveFrom or ancestor::mc:Fallback)"
_TEXT_ITEMS = etree.XPath(
    ".//w:r/*[self::w:t or self::w:tab or self::w:br or self::w:cr or self::w:noBreakHyphen"
    f" or self::w:sym or self::w:footnoteReference or self::w:endnoteReference][{_LIVE}]"
    f" | .//w:p[{_LIVE}]", namespaces=_NS)
_NOTE_REFS = etree.XPath(
    f".//w:r/*[self::w:footnoteReference or self::w:endnoteReference][{_LIVE}]", namespaces=_NS)


def _select(xpath: etree.XPath, el: Element) -> list[Element]:
    """Run one of the element-selecting XPaths above (lxml types its result as any XPath value)."""
    return cast(list[Element], xpath(el))


_SPACE_TAGS = {_q("tab"), _q("br"), _q("cr"), _P}
# every part: no entity expansion (billion laughs, XXE), no network, libxml2's size limits
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def read_docx(path: Path, source: Source, limits: Limits) -> Document:
    """Read a DOCX into a Document; ``Location.body_index`` is the index among w:body children."""
    package = load_package(path, limits)
    builder = DocumentBuilder(source)
    _Reader(package, builder, limits, path).read()
    return builder.build()


# ---------------------------------------------------------------------------- package safety

@dataclass(frozen=True)
class Package:
    """The parts of a DOCX this reader uses: the body, and the related parts it knows by kind."""

    body: Element
    parts: dict[str, tuple[Element, str]]  # "styles" | "numbering" | ... -> (root, part name)


def load_package(path: Path, limits: Limits) -> Package:
    """Refuse an unsafe ZIP from its directory (``check_zip``), then open it with python-docx.

    python-docx resolves the main part and its related parts through the package's
    relationships, as Word does, so renamed parts still resolve. Only lxml elements are kept:
    python-docx's package objects hold reference cycles, so a batch caller that reads many
    files should let the garbage collector run between files (ingest does).
    """
    try:
        with zipfile.ZipFile(path) as z:
            check_zip(z.infolist(), limits, path)
        document = docx.Document(str(path))
        body = document.element.find(_q("body"))
        if body is None:
            raise CorruptFileError("word/document.xml has no w:body", path=str(path))
        parts: dict[str, tuple[Element, str]] = {}
        for rel in document.part.rels.values():
            kind = rel.reltype.rsplit("/", 1)[-1]
            if rel.is_external or kind not in _RELATED or kind in parts:
                continue
            part = rel.target_part
            root = getattr(part, "element", None)
            if root is None:
                root = _part_xml(part.blob, str(part.partname), path)
            parts[kind] = (root, str(part.partname).lstrip("/"))
        return Package(body, parts)
    except CorruptFileError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, KeyError,
            NotImplementedError, zlib.error, etree.XMLSyntaxError,
            PackageNotFoundError) as e:  # damaged, truncated, odd compression, bad XML
        raise CorruptFileError(f"not a readable DOCX container ({type(e).__name__}: {e})",
                               path=str(path)) from e


def _part_xml(blob: bytes, name: str, path: Path) -> Element:
    """A part python-docx keeps as bytes (footnotes, endnotes), parsed without entity expansion."""
    try:
        return etree.fromstring(blob, _SAFE_XML)
    except etree.XMLSyntaxError as e:
        raise CorruptFileError(f"{name} is not well-formed XML ({e})", path=str(path)) from e


_RELATED = {"styles", "numbering", "footnotes", "endnotes"}


def check_zip(infos: list[zipfile.ZipInfo], limits: Limits, path: Path) -> None:
    """Refuse an encrypted or bomb-like ZIP from its directory alone, before inflating anything.

    Declared sizes bind: zipfile stops at a member's declared size and fails its CRC, so a
    member that lies about its size cannot inflate further than the size checked here.
    """
    if "word/document.xml" not in {i.filename for i in infos}:
        raise CorruptFileError("the ZIP has no word/document.xml", path=str(path))
    if any(i.flag_bits & 0x1 for i in infos):
        raise EncryptedFileError("the ZIP members are password-protected", path=str(path))
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if unpacked > limits.max_unzipped_bytes:
        raise ResourceLimitError(
            f"{unpacked:,} bytes once unzipped, over the {limits.max_unzipped_bytes:,}-byte limit",
            path=str(path))
    if unpacked > packed * limits.max_zip_ratio:
        raise ResourceLimitError(
            f"{unpacked:,} bytes unzip from {packed:,} (ratio {unpacked / max(packed, 1):,.0f}, "
            f"limit {limits.max_zip_ratio}): a zip bomb", path=str(path))


# ----------------------------------------------------------------------------- style names

class StyleDataError(ValueError):
    """parsers/data/docx_styles.yaml is malformed: a broken install, not a broken input file."""


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip().lower()


class StyleVocabulary(BaseModel):
    """Style names that mark headings and lists (``parsers/data/docx_styles.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    heading_prefixes: list[str]
    title_names: list[str]
    list_prefixes: list[str]

    @field_validator("heading_prefixes", "title_names", "list_prefixes")
    @classmethod
    def _entries(cls, values: list[str]) -> list[str]:
        out = [_key(v) for v in values]
        if not out or any(not v for v in out) or len(set(out)) != len(out):
            raise ValueError("entries must be non-empty and unique")
        return out

    def heading_level(self, name: str) -> int | None:
        """Heading level implied by a style name alone.

        >>> style_vocabulary().heading_level("Heading 2"), style_vocabulary().heading_level("Tiêu đề")
        (2, 1)
        """
        key = _key(name)
        if key in self.title_names:
            return 1
        m = re.fullmatch(r"(.+?)\s*([1-9])", key)
        return int(m.group(2)) if m and m.group(1) in self.heading_prefixes else None

    def is_list(self, name: str) -> bool:
        return _key(name).startswith(tuple(self.list_prefixes))


@cache
def style_vocabulary() -> StyleVocabulary:
    """The style vocabulary, loaded and validated once per process."""
    try:
        text = (files("baocao.parsers") / "data" / "docx_styles.yaml").read_text(encoding="utf-8")
        return StyleVocabulary.model_validate(load_yaml(text))
    except (OSError, yaml.YAMLError, ValueError) as e:
        raise StyleDataError(f"parsers/data/docx_styles.yaml: {e}") from e


# ------------------------------------------------------------------------------- small parts

def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _opt_int(value: str | None) -> int | None:
    return None if value is None else _int(value, 0)


def _outline_level(value: str | None) -> int | None:
    """Heading level of a w:outlineLvl (0..8 → 1..9); 9 means body text."""
    n = _int(value, 9)
    return n + 1 if 0 <= n < 9 else None


def _child_val(parent: Element | None, *path: str) -> str | None:
    """``w:val`` of the element at ``path`` under ``parent`` ("" when present without a value)."""
    el = parent
    for name in path:
        if el is None:
            return None
        el = el.find(_q(name))
    return None if el is None else el.get(_VAL, "")


def _flatten(el: Element, wanted: tuple[str, ...]) -> Iterator[Element]:
    """``el`` if it is one of ``wanted``, else the wanted elements inside content controls."""
    if el.tag in wanted:
        yield el
    elif el.tag == _SDT:
        content = el.find(_SDT_CONTENT)
        for child in content if content is not None else ():
            yield from _flatten(child, wanted)
    elif el.tag == _CUSTOM_XML:
        for child in el:
            yield from _flatten(child, wanted)


def _children(parent: Element, wanted: tuple[str, ...]) -> Iterator[Element]:
    for child in parent.iterchildren(tag=etree.Element):
        yield from _flatten(child, wanted)


# ---------------------------------------------------------------------------------- styles

@dataclass(frozen=True)
class _Style:
    name: str
    based_on: str | None
    outline: str | None   # w:outlineLvl as written
    num_id: str | None
    ilvl: int | None


class _Styles:
    """Paragraph styles with their inherited (``w:basedOn``) outline level and numbering."""

    def __init__(self, root: Element | None) -> None:
        self.vocabulary = style_vocabulary()
        self._styles: dict[str, _Style] = {}
        self.default: str | None = None
        for s in root.iterchildren(_q("style")) if root is not None else ():
            if s.get(_TYPE) != "paragraph" or s.get(_q("styleId")) is None:
                continue
            ppr = s.find(_PPR)
            self._styles[s.get(_q("styleId"), "")] = _Style(
                name=_child_val(s, "name") or "", based_on=_child_val(s, "basedOn"),
                outline=_child_val(ppr, "outlineLvl"), num_id=_child_val(ppr, "numPr", "numId"),
                ilvl=_opt_int(_child_val(ppr, "numPr", "ilvl")))
            if s.get(_q("default")) in {"1", "true", "on"}:
                self.default = s.get(_q("styleId"))
        self._resolved: dict[str | None, _Resolved] = {}

    def chain(self, style_id: str | None) -> Iterator[_Style]:
        """The style and its ancestors; cycles and depth are bounded."""
        for _ in range(16):
            style = self._styles.get(style_id or "")
            if style is None:
                return
            yield style
            style_id = style.based_on

    def resolve(self, style_id: str | None) -> _Resolved:
        """What a paragraph of this style inherits, computed once per style."""
        found = self._resolved.get(style_id)
        if found is None:
            chain = list(self.chain(style_id))
            outline = next((s.outline for s in chain if s.outline is not None), None)
            by_name = (self.vocabulary.heading_level(s.name) for s in chain)
            own = chain[0].name if chain else ""
            found = self._resolved[style_id] = _Resolved(
                level=_outline_level(outline) if outline is not None
                else next((level for level in by_name if level is not None), None),
                num_id=next((s.num_id for s in chain if s.num_id is not None), None),
                ilvl=next((s.ilvl for s in chain if s.ilvl is not None), None),
                is_list=any(self.vocabulary.is_list(s.name) for s in chain),
                nested=self.vocabulary.is_list(own) and re.search(r"\s[2-9]$", own) is not None)
        return found


@dataclass(frozen=True)
class _Resolved:
    level: int | None      # heading level, from the outline level in the chain, else the name
    num_id: str | None     # inherited automatic numbering
    ilvl: int | None
    is_list: bool          # a list style by name ("List Paragraph", "List Bullet")
    nested: bool           # a deeper built-in list ("List Bullet 2"): bullets read as "+"


# ------------------------------------------------------------------------------- numbering

@dataclass(frozen=True)
class _Level:
    fmt: str
    text: str
    start: int
    legal: bool
    style: str | None


def _level(lvl: Element) -> _Level:
    return _Level(fmt=_child_val(lvl, "numFmt") or "decimal", text=_child_val(lvl, "lvlText") or "",
                  start=_int(_child_val(lvl, "start"), 1),
                  legal=_child_val(lvl, "isLgl") not in (None, *_FALSE),
                  style=_child_val(lvl, "pStyle"))


def _levels_of(parent: Element) -> dict[int, _Level]:
    return {_int(lvl.get(_q("ilvl")), 0): _level(lvl) for lvl in parent.iterchildren(_q("lvl"))}


def _abstract_levels(root: Element) -> dict[str, dict[int, _Level]]:
    """Levels of every w:abstractNum; one that only points at a numbering style
    (w:numStyleLink) borrows the levels of the abstractNum defining that style (w:styleLink)."""
    abstract = {a.get(_q("abstractNumId"), ""): a for a in root.iterchildren(_q("abstractNum"))}
    levels = {aid: _levels_of(a) for aid, a in abstract.items()}
    defines = {_child_val(a, "styleLink"): aid for aid, a in abstract.items()
               if _child_val(a, "styleLink")}
    for aid, a in abstract.items():
        link = _child_val(a, "numStyleLink")
        if not levels[aid] and link in defines:
            levels[aid] = levels[defines[link]]
    return levels


def _num(num: Element, abstract: dict[str, dict[int, _Level]]) -> _Num:
    """A w:num: its abstract list, with w:lvlOverride start values and level definitions."""
    aid = _child_val(num, "abstractNumId") or ""
    overrides = list(num.iterchildren(_q("lvlOverride")))
    starts = {_int(o.get(_q("ilvl")), 0): _int(_child_val(o, "startOverride"), 1)
              for o in overrides if o.find(_q("startOverride")) is not None}
    levels = dict(abstract.get(aid, {}))
    for o in overrides:
        levels.update({_int(o.get(_q("ilvl")), 0): lv for lv in _levels_of(o).values()})
    return _Num(aid, starts, levels)


@dataclass(frozen=True)
class _Num:
    abstract: str
    starts: dict[int, int]      # w:startOverride per level
    levels: dict[int, _Level]   # abstract levels with any w:lvlOverride/w:lvl applied


class _Numbering:
    """Word's automatic list numbers: counters per abstract list, text from w:lvlText."""

    def __init__(self, root: Element | None) -> None:
        abstract = _abstract_levels(root) if root is not None else {}
        self._nums: dict[str, _Num] = {
            n.get(_q("numId"), ""): _num(n, abstract)
            for n in (root.iterchildren(_q("num")) if root is not None else ())}
        self._counters: dict[str, dict[int, int]] = {}
        self._seen: set[str] = set()

    def label(self, num_id: str, ilvl: int | None, style_id: str | None,
              nested: bool = False) -> str | None:
        """Advance the list of ``num_id`` at ``ilvl`` and return the number as Word shows it.

        ``nested`` says the paragraph style is a deeper built-in list ("List Bullet 2"), which
        Word implements as a separate one-level list.
        """
        num = self._nums.get(num_id)
        if num is None:
            return None
        if ilvl is None:  # level chosen by the style the abstract level is linked to
            ilvl = next((k for k, lv in num.levels.items() if style_id and lv.style == style_id), 0)
        level = num.levels.get(ilvl)
        if level is None:
            return None
        counters = self._counters.setdefault(num.abstract, {})
        if num_id not in self._seen:
            self._seen.add(num_id)
            for k in [k for k in counters if num.starts and k >= min(num.starts)]:
                del counters[k]
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else self._start(num, ilvl)
        for k in [k for k in counters if k > ilvl]:
            del counters[k]
        if level.fmt == "bullet":
            return bullet(level.text, nested or ilvl > 0)
        return self._render(num, level, counters)

    @staticmethod
    def _start(num: _Num, ilvl: int) -> int:
        level = num.levels.get(ilvl)
        return num.starts.get(ilvl, level.start if level else 1)

    def _render(self, num: _Num, level: _Level, counters: dict[int, int]) -> str:
        def value(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            fmt = "decimal" if level.legal else getattr(num.levels.get(k), "fmt", "decimal")
            return number_text(counters.get(k, self._start(num, k)), fmt)

        return _PLACEHOLDER.sub(value, level.text).strip()


_PLACEHOLDER = re.compile(r"%([1-9])")
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def number_text(n: int, fmt: str) -> str:
    """A list counter in a w:numFmt; formats Word has and we do not render fall back to decimal.

    >>> [number_text(n, f) for n, f in [(2, "decimal"), (28, "lowerLetter"), (4, "upperRoman"),
    ...                                 (7, "decimalZero"), (3, "none")]]
    ['2', 'bb', 'IV', '07', '']
    """
    if fmt in ("lowerLetter", "upperLetter"):
        text = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)
        return text.upper() if fmt == "upperLetter" else text
    if fmt in ("lowerRoman", "upperRoman") and 0 < n < 4000:
        text = ""
        for value, letters in _ROMAN:
            count, n = divmod(n, value)
            text += letters * count
        return text.upper() if fmt == "upperRoman" else text
    if fmt == "decimalZero":
        return f"{n:02d}"
    return "" if fmt == "none" else str(n)


def bullet(glyph: str, nested: bool) -> str:
    """A bullet as the outline reads it, Decree 30 style: "-" for a first level, "+" below it.

    A typed "-" or "+" glyph is kept as shown; a symbol glyph (•, o, §, Symbol-font ) becomes
    "-" at the first level and "+" in a nested level, so "+" items nest under "-" items as
    they do when typed.

    >>> bullet("\\uf0b7", False), bullet("o", True), bullet("-", True), bullet("", False)
    ('-', '+', '-', '')
    """
    glyph = glyph.strip()
    if glyph in ("-", "+") or not glyph:
        return glyph
    return "+" if nested else "-"


# ------------------------------------------------------------------------------------ text

class _Notes:
    """Displayed numbers of the footnote and endnote references, in order of first reference."""

    def __init__(self, body: Element) -> None:
        foot: dict[str, None] = {}
        end: dict[str, None] = {}
        for ref in _select(_NOTE_REFS, body):
            (foot if ref.tag == _FOOTNOTE_REF else end).setdefault(ref.get(_ID, ""), None)
        self.labels: dict[tuple[str, str], str] = {
            ("footnote", i): str(n) for n, i in enumerate(foot, 1)}
        self.labels.update({("endnote", i): str(n) for n, i in enumerate(end, len(foot) + 1)})

    def marker(self, ref: Element) -> str:
        kind = "footnote" if ref.tag == _FOOTNOTE_REF else "endnote"
        label = self.labels.get((kind, ref.get(_ID, "")))
        return f"[{label}]" if label else ""


def _symbol(code: str | None) -> str:
    """The character of a w:sym; Symbol-font glyphs that matter are mapped, the rest dropped."""
    try:
        value = int(code or "", 16)
    except ValueError:
        return ""
    if value in _SYMBOLS:
        return _SYMBOLS[value]
    return "" if value < 32 or 0xE000 <= value <= 0xF8FF or value > 0x10FFFF else chr(value)


def paragraph_text(p: Element, notes: _Notes, fonts: DocxFonts | None = None,
                   style_id: str | None = None) -> str:
    """The visible text of a paragraph: runs, tabs and breaks as spaces, note markers as "[n]";
    runs in a legacy font (.VnTime, VNI-Times) converted to Unicode one by one (``fonts``)."""
    parts: list[str] = []
    for el in _select(_TEXT_ITEMS, p):
        tag = el.tag
        if tag == _T:
            parts.append(fonts.text(el, style_id) if fonts is not None else el.text or "")
        elif tag in _SPACE_TAGS:
            parts.append(" ")
        elif tag == _NB_HYPHEN:
            parts.append("-")
        elif tag == _SYM:
            parts.append(_symbol(el.get(_CHAR)))
        else:
            parts.append(notes.marker(el))
    return "".join(parts)


# ---------------------------------------------------------------------------------- reader

class _Reader:
    """One pass over the body in order, feeding the builder; then the notes parts."""

    def __init__(self, package: Package, builder: DocumentBuilder, limits: Limits,
                 path: Path) -> None:
        self.builder, self.limits, self.path = builder, limits, path
        self.body, self.parts = package.body, package.parts
        self.styles = _Styles(self.parts.get("styles", (None, ""))[0])
        self.numbering = _Numbering(self.parts.get("numbering", (None, ""))[0])
        self.notes = _Notes(self.body)
        fonts = DocxFonts(self.body, self.parts.get("styles", (None, ""))[0])
        self.fonts = fonts if fonts.active else None
        if (warning := fonts.warning()) is not None:
            builder.warn(warning)

    def read(self) -> None:
        for index, child in enumerate(self.body.iterchildren(tag=etree.Element)):
            if child.tag == _ALT_CHUNK:
                self.builder.warn(f"docx: embedded document (w:altChunk) at body index {index} "
                                  "skipped")
            for el in _flatten(child, _BLOCKS):
                if el.tag == _P:
                    text, kind, level = self.paragraph(el)
                    self.builder.add_block(text, Location(body_index=index), kind, level)
                else:
                    cells, header_rows = self.table(el, index)
                    self.builder.add_table(cells, Location(body_index=index), header_rows)
        self.add_notes("footnote")
        self.add_notes("endnote")

    def paragraph(self, p: Element) -> tuple[str, BlockKind | None, int | None]:
        """Text (with its list number), kind and heading level of a paragraph."""
        ppr = p.find(_PPR)
        style_id = (_child_val(ppr, "pStyle") if ppr is not None else None) or self.styles.default
        style = self.styles.resolve(style_id)
        text = paragraph_text(p, self.notes, self.fonts, style_id)
        number = self._number(ppr, style_id, style)
        outline = _child_val(ppr, "outlineLvl") if ppr is not None else None
        level = _outline_level(outline) if outline is not None else style.level
        if number and text.strip():
            text = f"{number} {text}"
        if level is not None:
            return text, BlockKind.heading, level
        if number is not None or style.is_list:
            return text, BlockKind.list_item, None
        return text, None, None

    def _number(self, ppr: Element | None, style_id: str | None, style: _Resolved) -> str | None:
        """The list number Word shows for the paragraph, or None if it is not numbered."""
        num_pr = ppr.find(_q("numPr")) if ppr is not None else None
        num_id = _child_val(num_pr, "numId") if num_pr is not None else None
        ilvl = _opt_int(_child_val(num_pr, "ilvl")) if num_pr is not None else None
        num_id = num_id if num_id is not None else style.num_id
        if not num_id or num_id == "0":
            return None
        level = ilvl if ilvl is not None else style.ilvl
        return self.numbering.label(num_id, level, style_id, style.nested)

    def table(self, tbl: Element, index: int) -> tuple[list[CellIn], int]:
        """Grid cells with merges resolved (one CellIn per merged region) and the header rows."""
        rows = list(_children(tbl, (_TR,)))
        width = len(tbl.findall(f"{_q('tblGrid')}/{_q('gridCol')}"))
        self._check_size(len(rows), width, index)
        cells: list[CellIn] = []
        above: dict[int, CellIn] = {}  # grid column -> the cell region that ends above
        for r, tr in enumerate(rows):
            col = _int(_child_val(tr.find(_TRPR), "gridBefore"), 0)
            for tc in _children(tr, (_TC,)):
                tcpr = tc.find(_TCPR)
                span = max(1, _int(_child_val(tcpr, "gridSpan"), 1))
                text = self.container_text(tc, index)
                region = above.get(col)
                if _child_val(tcpr, "vMerge") in ("", "continue") and region is not None \
                        and region.row + region.row_span == r:
                    region.row_span += 1
                    region.text = f"{region.text} {text}" if text else region.text
                else:
                    region = CellIn(r, col, text, col_span=span)
                    cells.append(region)
                above[col] = region
                col += span
            width = max(width, col)
            self._check_size(r + 1, width, index)
        return cells, _header_rows(rows, cells)

    def _check_size(self, n_rows: int, n_cols: int, index: int) -> None:
        if n_rows * n_cols > self.limits.max_table_cells:
            raise ResourceLimitError(
                f"the table at body index {index} has {n_rows} x {n_cols} cells, over the "
                f"{self.limits.max_table_cells:,}-cell limit", path=str(self.path))

    def container_text(self, container: Element, index: int) -> str:
        """Text of a cell or note: its paragraphs, and any nested table flattened into it."""
        parts: list[str] = []
        for el in _children(container, _BLOCKS):
            if el.tag == _P:
                parts.append(self.paragraph(el)[0])
                continue
            self.builder.warn(f"docx: a table nested in a cell (body index {index}) was "
                              "flattened into that cell's text")
            rows = _children(el, (_TR,))
            parts.append("; ".join(" ".join(self.container_text(tc, index)
                                            for tc in _children(tr, (_TC,))) for tr in rows))
        return " ".join(p for p in parts if p.strip())

    def add_notes(self, kind: str) -> None:
        """Footnotes or endnotes with their displayed labels, in label order."""
        if f"{kind}s" not in self.parts:
            return
        root, name = self.parts[f"{kind}s"]
        found: dict[int, str] = {}
        orphans = 0
        for note in root.iterchildren(_q(kind)):
            if note.get(_TYPE) in _NOTE_SEPARATORS:
                continue
            label = self.notes.labels.get((kind, note.get(_ID, "")))
            if label is None:
                orphans += 1
                continue
            found[int(label)] = self.container_text(note, -1)
        for number in sorted(found):
            self.builder.add_footnote(str(number), found[number], Location(part=name))
        if orphans:
            self.builder.warn(f"docx: {orphans} {kind}(s) in {name} never referenced; skipped")


def _header_rows(rows: list[Element], cells: list[CellIn]) -> int:
    """Leading rows marked w:tblHeader; else the first row (and what it spans) if it looks like one.

    A first row "looks like a header" when it has text and either no digit or only bold runs.
    """
    marked = 0
    for tr in rows:
        if _child_val(tr.find(_TRPR), "tblHeader") in (None, *_FALSE):
            break
        marked += 1
    if marked or not rows:
        return marked
    first = [c for c in cells if c.row == 0]
    texts = [c.text for c in first if c.text.strip()]
    if texts and (not any(ch.isdigit() for t in texts for ch in t) or _all_bold(rows[0])):
        return max(c.row_span for c in first)
    return 0


def _all_bold(tr: Element) -> bool:
    runs = [r for r in tr.iter(_R) if any((t.text or "").strip() for t in r.iter(_T))]
    return bool(runs) and all(_child_val(r.find(_RPR), "b") not in (None, *_FALSE)
                              for r in runs)
