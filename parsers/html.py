"""HTML → Document: the article of a portal page, without the page around it. The stages:

    bytes → text      ``declared_charset`` + ``parsers.encoding.decode_document`` (BOM, meta,
                      checked; TCVN3/VNI legacy-font text converted)
    text → tree       ``parse_tree``: selectolax/lexbor (MEASURED.md: 20-40x BeautifulSoup),
                      after ``flatten_deep`` on huge pages (lexbor's tree building is quadratic
                      in nesting depth: 200,000 nested divs take 96 s)
    tree → article    ``find_article``: a known portal container, else the densest text block
    article → blocks  ``_Walker``: one iterative walk (no recursion, however deep the markup);
                      chrome dropped by tag, class word and cue phrase (``data/html.yaml``);
                      runs of inline text become blocks; data tables become grids
    blocks → Document the page title added, Word and plain "[n]" footnotes split off,
                      everything fed to ``DocumentBuilder`` in reading order

Every block carries ``Location(element_path=...)``, a CSS path such as
``html>body>main.container>div.row>div.col-md-8>div.news-content>p:nth-of-type(3)`` that
``css_first`` resolves back to the element. Nothing is fetched: links, images, frames and
stylesheets are never followed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from baocao.datafile import load_yaml
from baocao.parsers.base import Limits
from baocao.parsers.builder import CellIn, DocumentBuilder
from baocao.parsers.encoding import charset_warning, decode_document
from baocao.parsers.errors import CorruptFileError, EmptyFileError, ResourceLimitError
from baocao.schemas.document import BlockKind, Document, Location, Source

__all__ = ["read_html", "declared_charset", "find_article", "flatten_deep", "parse_tree",
           "HtmlCues", "rules"]

_DATA = Path(__file__).parent / "data" / "html.yaml"
_HEAD_BYTES = 4096            # the charset declaration is looked for in this much of the file
_SCAN_ABOVE_TAGS = 16_384     # below this many "<", lexbor's worst case is ~0.3 s: no pre-scan
_END_TAG_REACH = 64           # how far down the open-element stack an end tag is matched
_MAX_COLSPAN, _MAX_ROWSPAN = 1000, 65534  # the HTML spec's clamps

# Elements that start and end a block of text; everything else is inline and joins the run.
_BLOCK_TAGS = frozenset("""
    address article aside blockquote body caption center dd details dialog dir div dl dt
    fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li
    main menu ol p pre section summary table tbody td tfoot th thead tr ul
""".split())
# Blocks that hold other blocks (a chrome box, a page column) rather than a line of text.
_CONTAINERS = frozenset("div section article main aside td th body center blockquote".split())
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_RAW_TEXT = frozenset("script style textarea title xmp iframe noembed noframes noscript".split())
_PEERS = frozenset("p li dt dd tr td th option".split())  # a new one closes an open one

_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*   # <meta charset=...> or content="...; charset=..."
         (?P<label>[A-Za-z0-9._:-]{1,40})          # the label itself
       | <\?xml\b[^>]*?\bencoding\s*=\s*["']        # an XHTML page's XML declaration
         (?P<xml>[A-Za-z0-9._:-]{1,40})
    """, re.VERBOSE | re.IGNORECASE)
_TAG = re.compile(
    r"""<!--                                   # a comment: skipped to its end
      | <(?P<end>/)?(?P<name>[A-Za-z][A-Za-z0-9]*)\b[^<>]*>  # a start or end tag
    """, re.VERBOSE)
_NOTE_LINK = re.compile(
    r"""\#_?ftn            # Word's footnote anchors: href="#_ftn3" points at the note,
        (?P<back>ref)?     # href="#_ftnref3" points back at the body marker
        (?P<n>\d{1,3})$
    """, re.VERBOSE | re.IGNORECASE)
_NOTE_ID = re.compile(r"_?ftn(?P<n>\d{1,3})", re.IGNORECASE)  # <div id="ftn3"> holds note 3
_PLAIN_NOTE = re.compile(
    r"""\[(?P<n>\d{1,3})\]   # "[3]" opening a paragraph, as web copies print Word footnotes
        \s*(?P<text>\S.*)    # the note's text
    """, re.VERBOSE | re.DOTALL)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")  # ids/classes usable verbatim in a CSS path


# ---------------------------------------------------------------------------- cue data

class HtmlCues(BaseModel):
    """``parsers/data/html.yaml``; its header comment says how each list is matched."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    content_selectors: list[str] = Field(min_length=1)
    min_article_chars: int = Field(ge=0)
    drop_tags: frozenset[str]
    outside_tags: frozenset[str]
    chrome_words: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]]
    line_cues: list[str]
    strip_cues: list[str]
    section_cues: list[str]
    max_cue_chars: int = Field(gt=0)

    @field_validator("content_selectors")
    @classmethod
    def _selectors_parse(cls, selectors: list[str]) -> list[str]:
        probe = LexborHTMLParser("<p></p>")
        for s in selectors:
            try:
                probe.css_first(s)
            except SelectolaxError as e:
                raise ValueError(f"content selector {s!r} is not valid CSS") from e
        return selectors

    @field_validator("line_cues", "strip_cues", "section_cues")
    @classmethod
    def _regexes_compile(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as e:
                raise ValueError(f"cue {p!r} is not a valid regex: {e}") from e
        return [unicodedata.normalize("NFC", p) for p in patterns]


@dataclass(frozen=True)
class Rules:
    """The cue data compiled once: what ``_Walker`` and ``find_article`` test against."""

    cues: HtmlCues
    chrome: re.Pattern[str]   # a class/id naming page chrome
    line: re.Pattern[str]     # a short block that is chrome
    strip: re.Pattern[str]    # chrome inside a short block, cut out of it
    section: re.Pattern[str]  # the heading of a chrome box (fullmatch), or its start (match)


@lru_cache(maxsize=1)
def rules() -> Rules:
    """Load and compile ``data/html.yaml`` (once per process); a bad file raises here."""
    cues = HtmlCues.model_validate(load_yaml(_DATA.read_text(encoding="utf-8")))
    words = "|".join(w.replace("-", "[-_]?") for w in cues.chrome_words)
    return Rules(
        cues=cues,
        chrome=re.compile(rf"(?:^|[\s_-])(?:{words})(?:$|[\s_-])", re.IGNORECASE),
        line=re.compile("|".join(f"(?:{c})" for c in cues.line_cues), re.IGNORECASE),
        strip=re.compile("|".join(f"(?:{c})" for c in cues.strip_cues), re.IGNORECASE),
        section=re.compile("(?:" + "|".join(f"(?:{c})" for c in cues.section_cues) + r")(?=\W|$)",
                           re.IGNORECASE),
    )


# ---------------------------------------------------------------------------- entry point

def read_html(path: Path, source: Source, limits: Limits) -> Document:
    """Read an HTML page's article into a Document (see the module docstring for the stages).

    Raises EmptyFileError when the page holds no article text, DecodeError when its bytes
    fit no charset, ResourceLimitError for a table over ``limits.max_table_cells``.
    """
    data = _read_bytes(path)
    declared = declared_charset(data[:_HEAD_BYTES])
    text, used, legacy = decode_document(data, declared, path=str(path))
    builder = DocumentBuilder(source)

    def warn(message: str) -> None:  # the pre-scan and the walk may both flatten
        if message not in builder.warnings:
            builder.warn(message)

    for warning in (charset_warning(declared, used), legacy):
        if warning:
            warn(warning)
    tree = parse_tree(text, limits, warn, str(path))
    found = find_article(tree, rules())
    if found is None:
        raise EmptyFileError("no article text", path=str(path))
    article, selector = found
    article_path = _abs_path(article)
    if selector is None:
        warn(f"html: no known article container; took {article_path} (most paragraph text)")
    walker = _Walker(rules(), limits, warn, str(path))
    walker.walk(article, article_path)
    walker.add_title(tree, article)
    walker.add_outside_notes(tree, article)
    walker.split_plain_notes()
    if not walker.outs and not walker.notes:
        raise EmptyFileError("no article text", path=str(path))
    walker.feed(builder)
    return builder.build()


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise CorruptFileError(f"cannot read the file ({e.strerror})", path=str(path)) from e


def declared_charset(head: bytes) -> str | None:
    """The charset a page declares in its first bytes (meta charset, http-equiv, XML), or None.

    >>> declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">')
    'windows-1258'
    """
    m = _META_CHARSET.search(head)
    if m is None:
        return None
    return (m["label"] or m["xml"]).decode("ascii")


def parse_tree(text: str, limits: Limits, warn: Callable[[str], None],
               where: str) -> LexborHTMLParser:
    """The lexbor tree of ``text``; huge pages are first flattened below the depth limit."""
    if text.count("<") > _SCAN_ABOVE_TAGS:
        flat = flatten_deep(text, limits.max_html_depth)
        if flat is not None:
            warn(f"html: nesting deeper than {limits.max_html_depth} levels flattened")
            text = flat
    try:
        return LexborHTMLParser(text)
    except Exception as e:  # noqa: BLE001 - lexbor reports no typed errors; any failure is damage
        raise CorruptFileError(f"the HTML parser failed ({e})", path=where) from e


def flatten_deep(text: str, max_depth: int) -> str | None:
    """``text`` without the tags nested deeper than ``max_depth``, or None if none are.

    A tag-level estimate of the open-element stack (void elements, raw text, comments and
    implied ends of p/li/td... handled approximately), linear in the text: it exists so that
    a hostile page cannot make lexbor's quadratic tree building run for minutes. The text
    inside dropped tags is kept; only their nesting goes.
    """
    stack: list[str] = []
    dropped: dict[str, int] = {}
    cuts: list[tuple[int, int]] = []
    for name, end, span in _tags(text):
        if end and dropped.get(name):
            dropped[name] -= 1
            cuts.append(span)
        elif end:
            _pop_to(stack, name)
        elif name not in _VOID:
            if name in _PEERS:
                _pop_to(stack, name, reach=4)
            if len(stack) >= max_depth:
                dropped[name] = dropped.get(name, 0) + 1
                cuts.append(span)
            else:
                stack.append(name)
        if dropped and len(stack) < max_depth:
            dropped.clear()  # the open ancestors closed: the dropped tags closed with them
    if not cuts:
        return None
    starts, ends = [a for a, _ in cuts], [b for _, b in cuts]
    return "".join(text[a:b] for a, b in zip([0, *ends], [*starts, len(text)]))


def _tags(text: str) -> Iterator[tuple[str, bool, tuple[int, int]]]:
    """(lower-case name, is an end tag, span) of each tag, skipping comments and the
    content of raw-text elements (script, style...) as the tokenizer does."""
    pos = 0
    while (m := _TAG.search(text, pos)) is not None:
        pos = m.end()
        name = (m["name"] or "").lower()
        if not name:  # a comment runs to "-->", or to the end of the file
            close = text.find("-->", pos)
            if close < 0:
                return
            pos = close + 3
            continue
        yield name, bool(m["end"]), m.span()
        if name in _RAW_TEXT and not m["end"]:
            end = _raw_text_end(name).search(text, pos)
            if end is None:
                return
            pos = end.end()


@cache
def _raw_text_end(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{name}\s*>", re.IGNORECASE)


def _pop_to(stack: list[str], name: str, reach: int = _END_TAG_REACH) -> None:
    """Close the nearest open ``name`` within ``reach`` of the top, and all above it."""
    for i in range(len(stack) - 1, max(len(stack) - reach, 0) - 1, -1):
        if stack[i] == name:
            del stack[i:]
            return


# ---------------------------------------------------------------------------- the article

def find_article(tree: LexborHTMLParser, r: Rules) -> tuple[LexborNode, str | None] | None:
    """(article element, the selector that found it or None for the density fallback), or
    None for a page without text. Selectors first: they are exact (MEASURED.md: precision
    1.000); the longest match must hold ``min_article_chars``, or it is a teaser."""
    for selector in r.cues.content_selectors:
        matches = [(len(n.text(deep=True).strip()), n) for n in tree.css(selector)]
        if matches:
            size, node = max(matches, key=lambda m: m[0])
            if size >= r.cues.min_article_chars:
                return node, selector
    densest = _densest(tree.body, r)
    return None if densest is None else (densest, None)


def _densest(body: LexborNode | None, r: Rules) -> LexborNode | None:
    """The container holding the most non-link text outside page regions and chrome.

    Each text node credits its nearest container (div, td, section...) in full and that
    container's parent by half, so an article split into sub-divs still beats each sub-div.
    """
    if body is None:
        return None
    score: dict[int, float] = {}
    nodes: dict[int, LexborNode] = {}
    stack: list[tuple[LexborNode, LexborNode, LexborNode | None, bool]] = [(body, body, None, False)]
    while stack:
        node, holder, outer, link = stack.pop()
        if node.is_text_node:
            size = 0 if link else len((node.text_content or "").strip())
            score[holder.mem_id] = score.get(holder.mem_id, 0.0) + size
            if outer is not None:
                score[outer.mem_id] = score.get(outer.mem_id, 0.0) + size / 2
            continue
        tag = node.tag
        if not node.is_element_node or tag in r.cues.drop_tags or tag in r.cues.outside_tags \
                or _is_chrome(node.attributes, r):
            continue
        if tag in _CONTAINERS:
            nodes[node.mem_id] = node
            holder, outer = node, holder
        kids = [(k, holder, outer, link or tag == "a") for k in node.iter(include_text=True)]
        stack.extend(reversed(kids))
    best = max(score, key=score.__getitem__, default=None)
    return nodes.get(best) if best is not None and score[best] > 0 else None


def _is_chrome(attrs: dict[str, str | None], r: Rules) -> bool:
    """An element hidden, or whose class or id names page chrome (share bar, sidebar...)."""
    if "hidden" in attrs or _HIDDEN_STYLE.search(attrs.get("style") or ""):
        return True
    return any(r.chrome.search(attrs.get(a) or "") for a in ("class", "id"))


def _step(tag: str, attrs: dict[str, str | None], nth: int) -> str:
    """One CSS path step: ``tag#id`` or ``tag.class``, with ``:nth-of-type(n)`` past the first.

    Every step names the first of its type or an exact position, so ``css_first`` on the
    joined path returns this very element.
    """
    ident = attrs.get("id") or ""
    classes = (attrs.get("class") or "").split()
    if _IDENT.fullmatch(ident):
        step = f"{tag}#{ident}"
    elif classes and _IDENT.fullmatch(classes[0]):
        step = f"{tag}.{classes[0]}"
    else:
        step = tag
    return f"{step}:nth-of-type({nth})" if nth > 1 else step


def _abs_path(node: LexborNode) -> str:
    """The CSS path of ``node`` from ``html``, built by walking up (no recursion)."""
    steps: list[str] = []
    current: LexborNode | None = node
    while current is not None and current.is_element_node:
        tag, nth, sib = current.tag or "", 1, current.prev
        while sib is not None:
            nth += sib.is_element_node and sib.tag == tag
            sib = sib.prev
        steps.append(_step(tag, current.attributes, nth))
        current = current.parent
    return ">".join(reversed(steps))


# ---------------------------------------------------------------------------- the walk

@dataclass(slots=True, eq=False)
class _Frame:
    """An open element during the walk; ``block`` is the nearest block-level frame."""

    parent: _Frame | None
    tag: str
    step: str
    depth: int
    block: _Frame | None = None
    kind: BlockKind | None = None
    level: int | None = None
    link: bool = False
    note: str | None = None  # inside Word's <div id="ftnN">: text belongs to note N

    def path(self) -> str:
        steps, frame = [self.step], self.parent
        while frame is not None:
            steps.append(frame.step)
            frame = frame.parent
        return ">".join(reversed(steps))


@dataclass(slots=True)
class _Run:
    """Inline text gathered until the next block boundary; it becomes one block."""

    owner: _Frame
    parts: list[str] = field(default_factory=list)
    chars: int = 0
    link_chars: int = 0
    note: str | None = None


@dataclass(slots=True)
class _Out:
    """A block waiting for the builder (kept back so the title and notes can be fixed up)."""

    kind: BlockKind | None
    text: str
    location: Location
    level: int | None = None
    cells: list[CellIn] | None = None
    header_rows: int = 0


_Item = tuple[LexborNode | None, "_Frame", int]  # (node or None for "leave frame", parent, nth)
_CellRef = tuple[LexborNode, str, bool]          # (td or th, its CSS path, is a <th>)
_RowRef = tuple[list[_CellRef], bool]            # (cells, the row is in <thead>)


class _Walker:
    """Walks the article once with an explicit stack and collects blocks, tables and notes."""

    def __init__(self, r: Rules, limits: Limits, warn: Callable[[str], None], where: str) -> None:
        """``warn`` must drop repeats: every block past the depth limit reports it."""
        self.r = r
        self.limits = limits
        self.warn = warn
        self.where = where
        self.outs: list[_Out] = []
        self.notes: dict[str, _Out] = {}  # label → the note's text and where it was
        self.refs: set[str] = set()     # labels of the footnote markers met in the body
        self.run: _Run | None = None
        self.box: _Frame | None = None  # inside a chrome box opened by a section cue
        self.box_strict = False         # True: drop all of it; False: drop only link lists

    def walk(self, root: LexborNode, root_path: str) -> None:
        top = _Frame(None, root.tag or "", root_path, 0)
        top.block = top
        stack: list[_Item] = [(None, top, 0)]
        self._push_children(stack, root, top)
        while stack:
            node, frame, nth = stack.pop()
            if node is None:
                self._leave(frame)
            elif node.is_text_node:
                self._text(node.text_content or "", frame)
            elif node.is_element_node:
                self._enter(node, frame, nth, stack)

    @staticmethod
    def _push_children(stack: list[_Item], node: LexborNode, frame: _Frame) -> None:
        counts: dict[str, int] = {}
        items: list[_Item] = []
        for child in node.iter(include_text=True):
            if child.is_element_node:
                tag = child.tag or ""
                counts[tag] = nth = counts.get(tag, 0) + 1
                items.append((child, frame, nth))
            elif child.is_text_node:
                items.append((child, frame, 0))
        stack.extend(reversed(items))

    def _enter(self, node: LexborNode, parent: _Frame, nth: int, stack: list[_Item]) -> None:
        tag = node.tag or ""
        if tag in self.r.cues.drop_tags:
            return
        attrs = node.attributes
        if _is_chrome(attrs, self.r) or (tag == "a" and self._note_anchor(attrs, parent)):
            return
        if tag == "br":  # a line break ends a block, except inside a heading
            if parent.kind is BlockKind.heading:
                self._text(" ", parent)
            else:
                self._flush()
            return
        frame = self._frame(tag, attrs, parent, nth)
        if tag == "table" and self._data_table(node, frame):
            return
        if frame.block is frame:
            self._flush()
            stack.append((None, frame, 0))
        self._push_children(stack, node, frame)

    def _frame(self, tag: str, attrs: dict[str, str | None], parent: _Frame, nth: int) -> _Frame:
        depth = parent.depth + 1
        frame = _Frame(parent, tag, _step(tag, attrs, nth), depth, parent.block, parent.kind,
                       parent.level, parent.link or tag == "a", parent.note)
        if m := _NOTE_ID.fullmatch(attrs.get("id") or ""):
            frame.note = m["n"]
        if tag not in _BLOCK_TAGS:
            return frame
        if depth > self.limits.max_html_depth:  # too deep: its text joins the enclosing block
            self.warn(f"html: nesting deeper than {self.limits.max_html_depth} levels flattened")
            return frame
        frame.block = frame
        if tag in _HEADINGS:
            frame.kind, frame.level = BlockKind.heading, _HEADINGS[tag]
        elif tag == "li" and frame.kind is not BlockKind.heading:
            frame.kind = BlockKind.list_item
        return frame

    def _note_anchor(self, attrs: dict[str, str | None], parent: _Frame) -> bool:
        """Word's footnote links: the body marker becomes "[n]", the back-link marks a note."""
        m = _NOTE_LINK.search(attrs.get("href") or "")
        if m is None:
            return False
        run = self._run(parent)
        if m["back"]:
            run.note = m["n"]
        else:
            run.parts.append(f"[{m['n']}]")
            self.refs.add(m["n"])
        return True

    def _run(self, frame: _Frame) -> _Run:
        if self.run is None:
            assert frame.block is not None
            self.run = _Run(frame.block, note=frame.note)
        return self.run

    def _text(self, text: str, frame: _Frame) -> None:
        if self.run is None and not text.strip():
            return
        run = self._run(frame)
        run.parts.append(text)
        size = len(text.strip())
        run.chars += size
        run.link_chars += size if frame.link else 0

    def _leave(self, frame: _Frame) -> None:
        self._flush()
        if self.box is frame:
            self.box = None

    def _flush(self) -> None:
        run, self.run = self.run, None
        if run is None:
            return
        text = _squash("".join(run.parts))
        if len(text) <= self.r.cues.max_cue_chars and self.r.strip.search(text):
            text = self.r.strip.sub("", text).strip()  # "Ngày đăng 06/05/2024 | View count: 32"
        if not text:
            return
        if run.note is not None:
            self._add_note(run.note, text, Location(element_path=run.owner.path()))
        elif not self._is_chrome_text(text, run):
            self.outs.append(_Out(run.owner.kind, text, Location(element_path=run.owner.path()),
                                  run.owner.level))

    def _is_chrome_text(self, text: str, run: _Run) -> bool:
        """Cue lines, chrome-box headings and the link lists under them."""
        links = run.link_chars * 2 >= run.chars
        if len(text) <= self.r.cues.max_cue_chars:
            if self.r.line.search(text) or not any(c.isalnum() for c in text):
                return True
            if self.r.section.fullmatch(text.rstrip(" :")):
                self._open_box(run.owner)
                return True
            if links and self.r.section.match(text):
                return True  # "Tin liên quan" followed by its links in one line
        if self.box is None:
            return False
        if self.box_strict or links:
            return True
        self.box = None  # prose again: the link list under the cue is over
        return False

    def _open_box(self, owner: _Frame) -> None:
        """A chrome heading: drop its box, or (directly in the article) the links after it."""
        box = owner if owner.tag in _CONTAINERS or owner.parent is None else owner.parent.block
        self.box = box
        self.box_strict = box is not None and box.parent is not None

    def _add_note(self, label: str, text: str, location: Location) -> None:
        note = self.notes.setdefault(label, _Out(BlockKind.footnote, "", location))
        text = re.sub(rf"^\[{label}\]\s*", "", text)
        note.text = f"{note.text} {text}".strip()

    # ------------------------------------------------------------------------ tables

    def _data_table(self, node: LexborNode, frame: _Frame) -> bool:
        """Emit a data table as one grid; False for a layout table (walked as blocks)."""
        rows, caption = self._table_rows(node, frame.path())
        if len(rows) < 2 or max(len(cells) for cells, _ in rows) < 2 \
                or node.css_first("td table, th table") is not None:
            return False
        self._flush()
        where = Location(element_path=frame.path())
        if caption:
            self.outs.append(_Out(None, caption, where))
        cells = self._grid([cells for cells, _ in rows])
        self.outs.append(_Out(BlockKind.table, "", where, cells=cells,
                              header_rows=_header_rows(rows)))
        return True

    def _table_rows(self, table: LexborNode, path: str) -> tuple[list[_RowRef], str]:
        """Rows of this table (not of nested ones) and its caption; counts cells against
        ``max_table_cells`` before any cell text is read."""
        rows: list[_RowRef] = []
        caption, count = "", 0
        for group, group_path in _element_children(table, path):
            if group.tag == "caption":
                caption = self._inline_text(group)
            trs = [(group, group_path)] if group.tag == "tr" else \
                _element_children(group, group_path) if group.tag in ("thead", "tbody", "tfoot") else []
            for tr, tr_path in trs:
                if tr.tag != "tr":
                    continue
                cells = [(td, p, td.tag == "th") for td, p in _element_children(tr, tr_path)
                         if td.tag in ("td", "th")]
                count += len(cells)
                if count > self.limits.max_table_cells:
                    raise self._too_big()
                rows.append((cells, group.tag == "thead"))
        return rows, caption

    def _grid(self, rows: list[list[_CellRef]]) -> list[CellIn]:
        """Place cells on the grid, skipping slots taken by row/col spans from above and left."""
        n_rows, limit = len(rows), self.limits.max_table_cells
        taken: set[tuple[int, int]] = set()
        out: list[CellIn] = []
        area = 0
        for r, row in enumerate(rows):
            c = 0
            for td, path, _ in row:
                while (r, c) in taken:
                    c += 1
                attrs = td.attributes
                cs = _span(attrs.get("colspan"), _MAX_COLSPAN) or 1
                rs = _span(attrs.get("rowspan"), _MAX_ROWSPAN)
                rs = n_rows - r if rs == 0 else min(rs, n_rows - r)  # rowspan="0": to the end
                area += rs * cs
                if area > limit or (c + cs) * n_rows > limit:
                    raise self._too_big()
                taken.update((i, j) for i in range(r, r + rs) for j in range(c, c + cs))
                out.append(CellIn(r, c, self._inline_text(td), rs, cs,
                                  Location(element_path=path)))
                c += cs
        return out

    def _too_big(self) -> ResourceLimitError:
        return ResourceLimitError(f"a table of over {self.limits.max_table_cells:,} cells "
                                  "(max_table_cells)", path=self.where)

    def _inline_text(self, node: LexborNode) -> str:
        """All text under ``node`` as one line: blocks and <br> become spaces, chrome dropped."""
        parts: list[str] = []
        stack: list[LexborNode] = list(reversed(list(node.iter(include_text=True))))
        while stack:
            n = stack.pop()
            if n.is_text_node:
                parts.append(n.text_content or "")
                continue
            if not n.is_element_node or n.tag in self.r.cues.drop_tags:
                continue
            attrs = n.attributes
            if _is_chrome(attrs, self.r):
                continue
            m = _NOTE_LINK.search(attrs.get("href") or "") if n.tag == "a" else None
            if m is not None:
                parts.append("" if m["back"] else f"[{m['n']}]")
                self.refs.update(() if m["back"] else (m["n"],))
                continue
            if n.tag == "br" or n.tag in _BLOCK_TAGS:
                parts.append(" ")
            stack.extend(reversed(list(n.iter(include_text=True))))
        return _squash("".join(parts))

    # ------------------------------------------------------------------------ fix-ups

    def add_title(self, tree: LexborHTMLParser, article: LexborNode) -> None:
        """Put the page's <h1> first when the article container has none (titles often sit
        just above it); an <h1> in the header, nav, sidebar or chrome is the site's name."""
        if any(o.level == 1 for o in self.outs):
            return
        for h1 in tree.css("h1"):
            if _in_article_or_chrome(h1, article, self.r):
                continue
            text = self._inline_text(h1)
            if text and not (self.outs and self.outs[0].text == text):
                self.outs.insert(0, _Out(BlockKind.heading, text,
                                         Location(element_path=_abs_path(h1)), 1))
            return

    def add_outside_notes(self, tree: LexborHTMLParser, article: LexborNode) -> None:
        """Notes marked in the article but written outside it: Word's HTML puts its footnote
        list after the body section, beyond any article container."""
        wanted = self.refs - self.notes.keys()
        for a in tree.css('a[href*="ftnref"], a[href*="FTNREF"]') if wanted else []:
            m = _NOTE_LINK.search(a.attributes.get("href") or "")
            if m is None or not m["back"] or m["n"] not in wanted \
                    or _in_article_or_chrome(a, article, self.r):
                continue
            holder = a.parent
            while holder is not None and holder.tag not in _BLOCK_TAGS:
                holder = holder.parent
            if holder is not None:
                self._add_note(m["n"], self._inline_text(holder),
                               Location(element_path=_abs_path(holder)))
                wanted.discard(m["n"])

    def split_plain_notes(self) -> None:
        """Trailing "[n] text" paragraphs are footnotes when numbered in order and the first
        one's marker "[n]" stands in the body (web copies of Word files print them so)."""
        i = len(self.outs)
        while i > 0 and self.outs[i - 1].cells is None and _PLAIN_NOTE.fullmatch(self.outs[i - 1].text):
            i -= 1
        tail = [(_PLAIN_NOTE.fullmatch(o.text), o) for o in self.outs[i:]]
        labels = [int(m["n"]) for m, _ in tail if m]
        if not labels or labels != sorted(set(labels)) or any(str(n) in self.notes for n in labels):
            return
        body = " ".join(o.text if o.cells is None else " ".join(c.text for c in o.cells)
                        for o in self.outs[:i])
        if f"[{labels[0]}]" not in body:
            return
        for m, o in tail:
            if m:
                self.notes[m["n"]] = _Out(BlockKind.footnote, m["text"], o.location)
        del self.outs[i:]

    def feed(self, builder: DocumentBuilder) -> None:
        for o in self.outs:
            if o.cells is not None:
                builder.add_table(o.cells, o.location, header_rows=o.header_rows)
            else:
                builder.add_block(o.text, o.location, o.kind, o.level)
        for label, note in self.notes.items():
            builder.add_footnote(label, note.text, note.location)


def _squash(text: str) -> str:
    """NFC with whitespace runs made one space: enough to match cues; the builder's
    ``canonical`` (which also drops invisible characters) runs once more on what is kept."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _element_children(node: LexborNode, path: str) -> list[tuple[LexborNode, str]]:
    """Element children with their CSS paths (``path`` is the parent's)."""
    counts: dict[str, int] = {}
    out: list[tuple[LexborNode, str]] = []
    for child in node.iter():
        tag = child.tag or ""
        counts[tag] = nth = counts.get(tag, 0) + 1
        out.append((child, f"{path}>{_step(tag, child.attributes, nth)}"))
    return out


def _header_rows(rows: list[_RowRef]) -> int:
    """Leading rows in <thead> or all <th>; failing those (Word's HTML has neither), leading
    rows whose every cell is bold, as long as a body row remains."""
    marked = 0
    for cells, in_head in rows:
        if not (in_head or (cells and all(th for _, _, th in cells))):
            break
        marked += 1
    if marked:
        return marked
    bold = 0
    for cells, _ in rows:
        shares = [_bold_share(td) for td, _, _ in cells]
        if not any(total for total, _ in shares) or any(b < total for total, b in shares):
            break
        bold += 1
    return bold if bold < len(rows) else 0


def _bold_share(cell: LexborNode) -> tuple[int, int]:
    """(non-space characters of the cell, those inside <b>/<strong>). Bold nested in bold
    counts twice; that only matters for a cell both partly and doubly bold, which is rare."""
    def size(node: LexborNode) -> int:
        return len("".join(node.text(deep=True).split()))

    return size(cell), sum(size(b) for b in cell.css("b, strong"))


def _span(value: str | None, cap: int) -> int:
    """A rowspan/colspan value as browsers read it: leading digits, clamped; 1 if absent."""
    m = re.match(r"\s*(\d{1,6})", value or "")
    return min(int(m[1]), cap) if m else 1


def _in_article_or_chrome(node: LexborNode, article: LexborNode, r: Rules) -> bool:
    current: LexborNode | None = node
    while current is not None and current.is_element_node:
        if current.mem_id == article.mem_id:
            return True
        tag = current.tag
        if tag in r.cues.drop_tags or tag in r.cues.outside_tags or _is_chrome(current.attributes, r):
            return True
        current = current.parent
    return False
