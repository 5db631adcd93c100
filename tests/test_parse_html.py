"""Tests for parsers.html (and the charset decision in parsers.encoding).

Two kinds of input:

* the corpus pages ``corpus/docs/<ID>.html`` (one parametrised case per seed, skipped with a
  reason while the corpus is not built), checked against the seed text they were made from;
* small hand-made pages written to ``tmp_path``, one behaviour each (charsets, broken
  markup, hostile nesting, tables, footnotes, chrome).

Which seed figures must survive. The seeds are text copied from the real pages and
documents, so the web copies (000, 002, 003) carry some portal chrome. Every number token
(``\\d+(?:[.,]\\d+)*``) of the seed's *article part* must appear in ``doc.text``. The article
part is the seed minus the lines a reader of the page would not call the article:

1. a view counter ("View count: 32", "Lượt xem: 32") is cut from its line; the rest of the
   line stays, as it is the publication date (seed 000: ``Ngày đăng 06/05/2024 | 08:52``);
2. a line starting with the font-size toolbar "Tăng cỡ chữ" (seed 002);
3. a box heading standing alone, "Tin mới nhất" (seed 003's first line), and "Các tin khác"
   with every line after it, which are the related-links list (seed 003's tail).

Tokens are compared as sets: the seed of 001 repeats the table header where its source split
the table over two pages, and the page has it once.
"""

from __future__ import annotations

import doctest
import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from selectolax.lexbor import LexborHTMLParser

from baocao.parsers import encoding, html
from baocao.parsers.base import Limits
from baocao.parsers.builder import canonical
from baocao.parsers.errors import DecodeError, EmptyFileError, ParseError, ResourceLimitError
from baocao.parsers.html import HtmlCues, flatten_deep, read_html
from baocao.schemas.document import BlockKind, Document, Format, Source

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "corpus" / "docs"
SEED_DIRS = (ROOT / "corpus" / "seeds", ROOT.parent / "shared" / "seeds")
SEED_IDS = ("000_823effeef226c2f0", "001_422e18ebd3f30e83", "002_5ad6a5fc7af788d2",
            "003_93ee7d9315423c01", "004_1ab22aee8a00dbb0")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
COUNTER = re.compile(r"\|?\s*(?:View count|Lượt xem):\s*[\d.]+")
CHROME_LINE = re.compile(r"^Tăng cỡ chữ|^Tin mới nhất$")
RELATED_BOX = "Các tin khác"
CHROME_PHRASES = ("Tăng cỡ chữ", "Giảm cỡ chữ", "Tin mới nhất", "Các tin khác", "Lượt xem",
                  "View count", "Chia sẻ", "Trang chủ", "Tìm kiếm", "Cơ quan chủ quản",
                  "Bản quyền", "Facebook")
MENU_ITEMS = ("Giới thiệu", "Tin tức - Sự kiện", "Chính quyền", "Văn bản",
              "Thủ tục hành chính", "Liên hệ")


# ---------------------------------------------------------------------------- helpers

def read(path: Path, limits: Limits | None = None) -> Document:
    source = Source(path=str(path), sha256="0" * 64, format=Format.html, size=path.stat().st_size)
    return read_html(path, source, limits or Limits())


@cache
def corpus_doc(name: str) -> Document:
    path = DOCS / name
    if not path.is_file():
        pytest.skip(f"corpus page {path.name} not built yet (make corpus)")
    return read(path)


def seed_text(seed_id: str) -> str:
    for folder in SEED_DIRS:
        path = folder / f"{seed_id}.txt"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    pytest.skip(f"seed {seed_id}.txt not found in {[str(d) for d in SEED_DIRS]}")


def article_part(seed: str) -> str:
    """The seed without its portal chrome lines (rules 1-3 of the module docstring)."""
    lines = [COUNTER.sub("", line).strip() for line in seed.splitlines()]
    if RELATED_BOX in lines:
        lines = lines[:lines.index(RELATED_BOX)]
    return "\n".join(line for line in lines if not CHROME_LINE.search(line))


def page(body: str, head: str = '<meta charset="utf-8">') -> str:
    return f"<!DOCTYPE html><html lang=\"vi\"><head>{head}<title>t</title></head><body>{body}</body></html>"


def article(*paragraphs: str) -> str:
    return '<div class="news-content">' + "".join(paragraphs) + "</div>"


def write(tmp_path: Path, content: str | bytes, name: str = "page.html") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def cp1258(text: str) -> bytes:
    """windows-1258 bytes as Vietnamese software writes them: base letter + tone mark."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out += base.encode("cp1258") + "".join(c for c in parts if c in tones).encode("cp1258")
    return bytes(out)


LONG = ("Kết quả hồ sơ xử lý đúng hạn đạt 96,9% (DVC tỉnh đạt 99,7%); hồ sơ trễ hạn chiếm tỷ lệ "
        "3,1%, vị trí xếp hạng của tỉnh tăng từ 17/63 lên 11/63.")


# ---------------------------------------------------------------------------- corpus pages

@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_html_corpus_keeps_every_article_number(seed_id: str) -> None:
    doc = corpus_doc(f"{seed_id}.html")
    expected = set(NUMBER.findall(article_part(seed_text(seed_id))))
    missing = expected - set(NUMBER.findall(doc.text))
    assert not missing, f"numbers of the seed missing from doc.text: {sorted(missing)}"


@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_html_corpus_has_no_chrome_phrases(seed_id: str) -> None:
    doc = corpus_doc(f"{seed_id}.html")
    assert [p for p in CHROME_PHRASES if p in doc.text] == []


@pytest.mark.parametrize("seed_id", SEED_IDS)
def test_html_corpus_has_no_sidebar_related_menu_or_footer_block(seed_id: str) -> None:
    from corpus.builder.profiles import profile_for

    profile = profile_for(seed_id)
    chrome = {*profile.sidebar, *profile.related, *profile.footer_lines, *MENU_ITEMS}
    texts = {canonical(doc_text) for doc_text in block_texts(corpus_doc(f"{seed_id}.html"))}
    assert texts & chrome == set()


def block_texts(doc: Document) -> list[str]:
    return [doc.text[b.span[0]:b.span[1]] for b in doc.blocks]


@pytest.mark.parametrize("seed_id, title", [
    ("000_823effeef226c2f0", "Đánh giá, phân tích chỉ số cải cách hành chính năm 2023 và giải pháp năm 2024"),
    ("002_5ad6a5fc7af788d2",
     "UBND huyện tổ chức Hội nghị đánh giá kết quả triển khai thực hiện các chỉ tiêu về dịch vụ công"),
    ("003_93ee7d9315423c01", "Kết quả thực hiện cải cách thủ tục hành chính của tỉnh Bình Thuận năm 2023"),
])
def test_html_corpus_article_title_is_first_heading(seed_id: str, title: str) -> None:
    doc = corpus_doc(f"{seed_id}.html")
    first = doc.blocks[0]
    assert (first.kind, first.level, block_texts(doc)[0]) == (BlockKind.heading, 1, title)


def test_html_corpus_001_table_row_is_one_table() -> None:
    doc = corpus_doc("001_422e18ebd3f30e83.html")
    tables = [b.table for b in doc.blocks if b.table is not None]
    holding = [t for t in tables if ["1", "Công khai minh bạch", "11,1/18"] in t.rows()]
    assert len(holding) == 1
    assert holding[0].header_rows == 2


def test_html_corpus_001_merged_cells_keep_their_spans() -> None:
    doc = corpus_doc("001_422e18ebd3f30e83.html")
    table = next(b.table for b in doc.blocks if b.table is not None)
    stt, total = table.cell(1, 0), table.cell(table.n_rows - 1, 0)
    assert stt is not None and (stt.text, stt.row_span) == ("Stt", 2)
    assert total is not None and (total.text, total.col_span) == ("Tổng hợp", 2)
    assert table.rows()[-1] == ["Tổng hợp", "Tổng hợp", "78,49/100 Xếp hạng: 11/63"]


def test_html_corpus_003_footnotes_link_to_body_markers() -> None:
    doc = corpus_doc("003_93ee7d9315423c01.html")
    assert [f.label for f in doc.footnotes] == [str(n) for n in range(1, 8)]
    for note in doc.footnotes:
        assert note.markers, f"footnote {note.label} has no body marker"
        assert all(doc.text[s:e] == f"[{note.label}]" for s, e in note.markers)


def test_html_corpus_003_footnote_text_is_not_also_a_paragraph() -> None:
    doc = corpus_doc("003_93ee7d9315423c01.html")
    note = doc.footnotes[0]
    assert doc.text[note.span[0]:note.span[1]].startswith("[1] Trong đó: 110 dịch vụ công trực tuyến")
    assert doc.text.count("Trong đó: 110 dịch vụ công trực tuyến một phần") == 1


def test_html_corpus_cp1258_twin_reads_as_the_utf8_page() -> None:
    utf8 = corpus_doc("002_5ad6a5fc7af788d2.html")
    legacy = corpus_doc("002_5ad6a5fc7af788d2.cp1258.html")
    assert legacy.text == utf8.text
    assert legacy.warnings == []


def test_html_corpus_element_paths_resolve_to_their_elements() -> None:
    path = DOCS / "001_422e18ebd3f30e83.html"
    doc = corpus_doc(path.name)
    tree = LexborHTMLParser(path.read_text(encoding="utf-8"))
    for block, text in zip(doc.blocks, block_texts(doc)):
        node = tree.css_first(block.location.element_path or "")
        assert node is not None, block.location.element_path
        if block.table is None:
            assert text == canonical(node.text(deep=True))


def test_html_corpus_page_reads_through_parse() -> None:
    from baocao.parsers import parse

    path = DOCS / "000_823effeef226c2f0.html"
    if not path.is_file():
        pytest.skip(f"corpus page {path.name} not built yet (make corpus)")
    assert parse(path).source.format is Format.html


# ---------------------------------------------------------------------------- charsets

def test_html_wrong_declared_charset_is_read_as_utf8_with_warning(tmp_path: Path) -> None:
    body = article(f"<p>{LONG}</p>", "<p>Đắk Nông: tỷ lệ hài lòng chiếm 99,55%.</p>")
    path = write(tmp_path, page(body, '<meta http-equiv="Content-Type" '
                                      'content="text/html; charset=iso-8859-1">').encode("utf-8"))
    doc = read(path)
    assert "Đắk Nông: tỷ lệ hài lòng chiếm 99,55%." in doc.text
    assert doc.warnings == ["charset: declared iso-8859-1, read as utf-8"]


def test_html_declared_utf8_but_cp1258_bytes_read_as_cp1258(tmp_path: Path) -> None:
    body = article(f"<p>{LONG}</p>", "<p>Điểm đánh giá nhóm chỉ số về số hóa hồ sơ: 6,5/22 điểm.</p>")
    doc = read(write(tmp_path, cp1258(page(body))))
    assert "Điểm đánh giá nhóm chỉ số về số hóa hồ sơ: 6,5/22 điểm." in doc.text
    assert doc.warnings == ["charset: declared utf-8, read as windows-1258"]


def test_html_undeclared_cp1258_page_is_detected(tmp_path: Path) -> None:
    body = article(f"<p>{LONG}</p>", "<p>Tổng số điểm huyện Na Rì mới đạt 46,63/100 điểm.</p>")
    doc = read(write(tmp_path, cp1258(page(body, head=""))))
    assert "Tổng số điểm huyện Na Rì mới đạt 46,63/100 điểm." in doc.text
    assert doc.warnings == ["charset: none declared, read as windows-1258"]


def test_html_undecodable_bytes_raise_decode_error(tmp_path: Path) -> None:
    path = write(tmp_path, b"<p>" + b"\x81\x8d\x9d" * 40 + b"</p>")
    with pytest.raises(DecodeError) as err:
        read(path)
    assert err.value.path == str(path)


def test_encoding_bom_decides_over_declaration() -> None:
    text, used = encoding.decode_bytes("\ufeffTỷ lệ 96,9%".encode("utf-16"), declared="windows-1258")
    assert (text, used) == ("Tỷ lệ 96,9%", "utf-16")


def test_encoding_latin_page_keeps_its_declaration() -> None:
    data = "Le café est très bon; garçon, où êtes-vous? Noël à Paris.".encode("cp1252")
    assert encoding.decode_bytes(data, declared="iso-8859-1")[1] == "windows-1252"
    assert encoding.charset_warning("iso-8859-1", "windows-1252") is None


def test_encoding_declared_windows1252_on_cp1258_bytes_is_corrected() -> None:
    data = cp1258("Điểm đánh giá nhóm chỉ số về mức độ hài lòng: 18/18 điểm; số hóa hồ sơ 6,5/22.")
    text, used = encoding.decode_bytes(data, declared="windows-1252")
    assert used == "windows-1258"
    assert unicodedata.normalize("NFC", text).startswith("Điểm đánh giá")


def test_encoding_doctests_pass() -> None:
    assert doctest.testmod(encoding).failed == 0


# ---------------------------------------------------------------------------- markup

def test_html_broken_markup_still_yields_paragraphs(tmp_path: Path) -> None:
    body = ('<div class="news-content"><p>Đoạn một: ' + LONG + '<p>Đoạn hai <b>đậm <i>nghiêng'
            '</div><p>Đoạn ba 12,5%</span></td><div><p>Đoạn bốn <a href="x">liên kết')
    doc = read(write(tmp_path, "<html><body>" + body))
    texts = block_texts(doc)
    assert texts[0] == "Đoạn một: " + LONG
    assert texts[1] == "Đoạn hai đậm nghiêng"


def test_html_script_inside_article_is_dropped(tmp_path: Path) -> None:
    body = article(f"<p>{LONG}</p>", "<script>alert(1)</script>",
                   "<p>Tiếp theo <script>document.write('x')</script>đoạn hai.</p>",
                   "<style>p{color:red}</style>")
    doc = read(write(tmp_path, page(body)))
    assert "alert" not in doc.text and "document.write" not in doc.text and "color" not in doc.text
    assert "Tiếp theo đoạn hai." in doc.text


def test_html_ten_thousand_nested_divs_parse_without_recursion(tmp_path: Path) -> None:
    nested = "<div>" * 10_000 + "<p>Đáy sâu: 42,5%</p>" + "</div>" * 10_000
    doc = read(write(tmp_path, page(article(f"<p>{LONG}</p>", nested))))
    assert "Đáy sâu: 42,5%" in doc.text
    assert "html: nesting deeper than 512 levels flattened" in doc.warnings


def test_html_nesting_over_the_limit_joins_enclosing_block(tmp_path: Path) -> None:
    nested = "<div>" * 40 + "<p>một</p><p>hai</p>" + "</div>" * 40
    doc = read(write(tmp_path, page(article(f"<p>{LONG}</p>", nested))), Limits(max_html_depth=20))
    assert block_texts(doc)[-1] == "mộthai"
    assert doc.warnings == ["html: nesting deeper than 20 levels flattened"]


def test_html_flatten_deep_drops_only_tags_past_the_limit() -> None:
    text = "<div>" * 600 + "<p>x</p>" + "</div>" * 600
    flat = flatten_deep(text, 512)
    assert flat is not None
    assert flat.count("<div>") == 512 and flat.count("</div>") == 512 and "x" in flat


def test_html_flatten_deep_leaves_shallow_pages_alone() -> None:
    assert flatten_deep(page(article("<p>a</p>" * 5000)), 512) is None


def test_html_empty_page_raises_empty_file_error(tmp_path: Path) -> None:
    with pytest.raises(EmptyFileError, match="no article text"):
        read(write(tmp_path, "<html></html>"))


def test_html_whitespace_only_file_raises_empty_file_error(tmp_path: Path) -> None:
    with pytest.raises(EmptyFileError):
        read(write(tmp_path, " \n\t\n"))


def test_html_page_of_only_chrome_raises_empty_file_error(tmp_path: Path) -> None:
    body = '<nav><a href="/">Trang chủ</a></nav><footer><p>Cơ quan chủ quản: UBND tỉnh</p></footer>'
    with pytest.raises(EmptyFileError):
        read(write(tmp_path, page(body)))


PIECES = ("<div>", "</div>", "<p>", "</p>", "<table>", "</table>", "<tr>", "<td>", "</td>",
          '<td colspan="3">', '<td rowspan="0">', "<th>", "<thead>", '<a href="#_ftn1">',
          '<a href="#_ftnref1">', "</a>", "[1]", "<h1>", "<br>", "<script>", "</script>", "<!--",
          "-->", "<ul>", "<li>", "Các tin khác", "Tỷ lệ đúng hạn 96,9%", '<div class="news-content">',
          '<div id="ftn1">', "<b>", "<span class=share>", "&nbsp;", "\u0301", "\x00")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_html_any_markup_reads_or_raises_a_typed_error(tmp_path: Path, pieces: list[str]) -> None:
    path = write(tmp_path, "".join(pieces))
    try:
        doc = read(path, Limits(max_html_depth=8, max_table_cells=50))
    except ParseError:
        return
    assert all(doc.text[b.span[0]:b.span[1]] for b in doc.blocks)


# ---------------------------------------------------------------------------- tables

GRID = """<table>
<tr><th rowspan="2">STT</th><th colspan="2">Kết quả</th></tr>
<tr><th>Đúng hạn</th><th>Quá hạn</th></tr>
<tr><td>1</td><td>15.739</td><td rowspan="2">1.865</td></tr>
<tr><td>2</td><td>89,4%</td></tr>
</table>"""


def test_html_table_spans_resolve_to_grid(tmp_path: Path) -> None:
    doc = read(write(tmp_path, page(article(f"<p>{LONG}</p>", GRID))))
    table = next(b.table for b in doc.blocks if b.table is not None)
    assert table.rows() == [["STT", "Kết quả", "Kết quả"], ["STT", "Đúng hạn", "Quá hạn"],
                            ["1", "15.739", "1.865"], ["2", "89,4%", "1.865"]]
    assert [(c.row, c.col, c.row_span, c.col_span) for c in table.cells if c.text in ("STT", "Kết quả", "1.865")] \
        == [(0, 0, 2, 1), (0, 1, 1, 2), (2, 2, 2, 1)]
    assert table.header_rows == 2


def test_html_word_table_bold_first_row_is_header(tmp_path: Path) -> None:
    table = ('<table class="MsoTableGrid"><tr><td><p><b>STT</b></p></td><td><p><b><span>Nội dung'
             '</span></b></p></td></tr><tr><td><p>1</p></td><td><p>Tỷ lệ đúng hạn <b>89,4%</b></p>'
             '</td></tr></table>')
    doc = read(write(tmp_path, page(article(f"<p>{LONG}</p>", table))))
    table_block = next(b.table for b in doc.blocks if b.table is not None)
    assert table_block.header_rows == 1
    assert table_block.rows() == [["STT", "Nội dung"], ["1", "Tỷ lệ đúng hạn 89,4%"]]


def test_html_huge_table_raises_resource_limit(tmp_path: Path) -> None:
    rows = "".join("<tr>" + "<td>1</td>" * 10 + "</tr>" for _ in range(20))
    path = write(tmp_path, page(article(f"<p>{LONG}</p>", f"<table>{rows}</table>")))
    with pytest.raises(ResourceLimitError):
        read(path, Limits(max_table_cells=100))


def test_html_span_bomb_raises_resource_limit(tmp_path: Path) -> None:
    table = '<table><tr><td colspan="1000" rowspan="65534">x</td><td>y</td></tr><tr><td>z</td><td>w</td></tr></table>'
    with pytest.raises(ResourceLimitError):
        read(write(tmp_path, page(article(f"<p>{LONG}</p>", table))), Limits(max_table_cells=1000))


def test_html_layout_table_is_read_as_paragraphs(tmp_path: Path) -> None:
    layout = f"<table><tr><td><p>{LONG}</p><p>Đoạn hai trong bảng bố cục.</p></td></tr></table>"
    doc = read(write(tmp_path, page(article(layout))))
    assert [b.kind for b in doc.blocks] == [BlockKind.paragraph, BlockKind.paragraph]


# ---------------------------------------------------------------------------- footnotes

def test_html_word_footnote_number_marker_becomes_bracketed(tmp_path: Path) -> None:
    body = article(f'<p>{LONG}<a href="#_ftn1" name="_ftnref1"><sup>1</sup></a> Tiếp.</p>',
                   '<div id="ftn1"><p><a href="#_ftnref1" name="_ftn1"><sup>1</sup></a>'
                   " Trong đó: 110 dịch vụ công trực tuyến một phần.</p></div>")
    doc = read(write(tmp_path, page(body)))
    assert "11/63.[1] Tiếp." in doc.text
    [note] = doc.footnotes
    assert doc.text[note.span[0]:note.span[1]] == "[1] Trong đó: 110 dịch vụ công trực tuyến một phần."
    assert len(note.markers) == 1


WORD_PAGE = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv=Content-Type content="text/html; charset=windows-1258"></head>
<body lang=VI><div class=WordSection1>
<p class=MsoNormal>BÁO CÁO</p>
<p class=MsoNormal>{long}<a style='mso-footnote-id:ftn1' href="#_ftn1" name="_ftnref1"
title=""><span class=MsoFootnoteReference><span style='mso-special-character:footnote'>
<![if !supportFootnotes]><span class=MsoFootnoteReference>[1]</span><![endif]></span></span></a>
tiếp theo.</p>
</div>
<div style='mso-element:footnote-list'><![if !supportFootnotes]><br clear=all>
<hr align=left size=1 width="33%"><![endif]>
<div style='mso-element:footnote' id=ftn1>
<p class=MsoFootnoteText><a style='mso-footnote-id:ftn1' href="#_ftnref1" name="_ftn1" title="">
<span class=MsoFootnoteReference>[1]</span></a> Trong đó: 15.739 hồ sơ đúng hạn.</p>
</div></div></body></html>"""


def test_html_word_export_notes_outside_the_body_section(tmp_path: Path) -> None:
    doc = read(write(tmp_path, cp1258(WORD_PAGE.format(long=LONG))))
    [note] = doc.footnotes
    assert doc.text[note.span[0]:note.span[1]] == "[1] Trong đó: 15.739 hồ sơ đúng hạn."
    assert len(note.markers) == 1 and "11/63.[1] tiếp theo." in doc.text
    assert doc.text.count("15.739") == 1


def test_html_plain_bracket_tail_becomes_footnotes(tmp_path: Path) -> None:
    body = article(f"<p>{LONG}[1] và 100%[2].</p>", "<p>Hồng Hương</p>",
                   "<p>[1] Trong đó: 110 dịch vụ công.</p>", "<p>[2] 02 TTHC của Sở Công Thương</p>")
    doc = read(write(tmp_path, page(body)))
    assert [(f.label, len(f.markers)) for f in doc.footnotes] == [("1", 1), ("2", 1)]
    assert block_texts(doc)[-3:] == ["Hồng Hương", "[1] Trong đó: 110 dịch vụ công.",
                                     "[2] 02 TTHC của Sở Công Thương"]


def test_html_bracket_paragraphs_without_body_marker_stay_text(tmp_path: Path) -> None:
    body = article(f"<p>{LONG}</p>", "<p>[1] Danh mục thứ nhất.</p>", "<p>[2] Danh mục thứ hai.</p>")
    doc = read(write(tmp_path, page(body)))
    assert doc.footnotes == []
    assert block_texts(doc)[-1] == "[2] Danh mục thứ hai."


# ---------------------------------------------------------------------------- chrome

def test_html_title_outside_container_is_added_not_site_name(tmp_path: Path) -> None:
    body = ('<header><h1 class="logo">CỔNG THÔNG TIN ĐIỆN TỬ TỈNH</h1></header>'
            '<h1 class="title">Thông báo kết quả tháng 5/2024</h1>' + article(f"<p>{LONG}</p>"))
    doc = read(write(tmp_path, page(body)))
    assert block_texts(doc)[:2] == ["Thông báo kết quả tháng 5/2024", LONG]
    assert (doc.blocks[0].kind, doc.blocks[0].level) == (BlockKind.heading, 1)


def test_html_related_box_inside_article_is_dropped(tmp_path: Path) -> None:
    body = article(f"<p>{LONG}</p>", "<h3>Tin liên quan</h3>",
                   '<ul><li><a href="/1">Hội nghị giao ban tháng 4/2024</a></li>'
                   '<li><a href="/2">Kế hoạch năm 2024</a></li></ul>',
                   "<p>Đoạn cuối của bài viết vẫn được giữ lại.</p>")
    doc = read(write(tmp_path, page(body)))
    assert block_texts(doc) == [LONG, "Đoạn cuối của bài viết vẫn được giữ lại."]


def test_html_toolbar_share_bar_and_view_counter_are_dropped(tmp_path: Path) -> None:
    body = article('<div>Tăng cỡ chữ Giảm cỡ chữ Gửi thư In</div>', f"<p>{LONG}</p>",
                   '<span class="meta">Ngày đăng 06/05/2024 | View count: 32</span>',
                   '<div class="share-bar"><a href="#">Facebook</a></div>')
    doc = read(write(tmp_path, page(body)))
    assert block_texts(doc) == [LONG, "Ngày đăng 06/05/2024"]


def test_html_without_known_container_falls_back_to_densest_block(tmp_path: Path) -> None:
    links = "".join(f'<li><a href="/{i}">Tin số {i} năm 2024</a></li>' for i in range(30))
    body = (f'<header><div>Cổng thông tin</div></header><div id="left"><ul>{links}</ul></div>'
            f'<div id="main"><p>{LONG}</p><p>Đoạn hai: 20.845 hồ sơ.</p></div>'
            '<div class="sidebar"><p>Thống kê truy cập: 1.234.567 lượt</p></div>')
    doc = read(write(tmp_path, page(body)))
    assert block_texts(doc) == [LONG, "Đoạn hai: 20.845 hồ sơ."]
    assert doc.warnings == ["html: no known article container; took html>body>div#main:nth-of-type(2) "
                            "(most paragraph text)"]


def test_html_no_external_resource_is_fetched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the HTML reader opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    body = ('<link rel="stylesheet" href="http://example.invalid/a.css">'
            + article(f"<p>{LONG}</p>", '<img src="http://example.invalid/x.png">',
                      '<iframe src="http://example.invalid/"></iframe>'))
    assert LONG in read(write(tmp_path, page(body))).text


# ---------------------------------------------------------------------------- cue data

def test_html_cue_file_loads_and_compiles() -> None:
    r = html.rules()
    assert "div.news-content" in r.cues.content_selectors
    assert r.section.fullmatch("Các tin khác") and r.line.search("Tăng cỡ chữ Giảm cỡ chữ")
    assert r.strip.sub("", "Ngày đăng 06/05/2024 | 08:52 | View count: 32") == "Ngày đăng 06/05/2024 | 08:52"


def test_html_cue_file_rejects_unknown_field() -> None:
    raw = html.rules().cues.model_dump()
    with pytest.raises(ValidationError):
        HtmlCues.model_validate({**raw, "selectors": ["div"]})


def test_html_cue_file_rejects_bad_regex() -> None:
    raw = html.rules().cues.model_dump()
    with pytest.raises(ValidationError):
        HtmlCues.model_validate({**raw, "line_cues": ["(unclosed"]})


def test_html_cue_file_rejects_bad_selector() -> None:
    raw = html.rules().cues.model_dump()
    with pytest.raises(ValidationError):
        HtmlCues.model_validate({**raw, "content_selectors": ["div["]})


def test_html_doctests_pass() -> None:
    assert doctest.testmod(html).failed == 0
