"""The HTML rendering: the article inside a provincial-portal page.

Portal pages wrap the text in a header, a menu, a font-size toolbar, a "Tin mới
nhất" sidebar, "Các tin khác" links, share buttons, a view counter and a footer,
several of them with numbers of their own. The article itself sits in
``div.news-content``; the HTML parser has to find it and drop the rest.
Footnotes are written the way Word's "Save as Web Page" writes them.
"""

from __future__ import annotations

from html import escape
from itertools import groupby

from .model import Block, Document, Role, Span, Table
from .profiles import Profile

_TOOLBAR_LABELS = ("Tăng cỡ chữ", "Giảm cỡ chữ", "Gửi thư", "In", "Tăng sáng", "Giảm sáng")
_MENU = ("Trang chủ", "Giới thiệu", "Tin tức - Sự kiện", "Chính quyền", "Văn bản", "Thủ tục hành chính", "Liên hệ")
_SIDEBAR_DATES = ("05/06/2024", "03/06/2024", "30/05/2024", "28/05/2024")


def render_html(doc: Document, profile: Profile, charset: str = "utf-8") -> str:
    """The whole page as text; ``charset`` only changes the declaration in <head>."""
    title = doc.first_text(Role.TITLE) or f"{doc.first_text(Role.DOCTYPE).capitalize()} {doc.first_text(Role.SUBJECT)}"
    parts = [
        _head(title, profile, charset),
        "<body>",
        _site_header(profile),
        f'<div class="breadcrumb"><a href="/">Trang chủ</a> &raquo; <a href="/{profile.url_slug}">'
        f"{escape(doc.boilerplate.category or profile.category)}</a></div>",
        '<main class="container"><div class="row">',
        '<div class="col-md-8 main-column">',
        _toolbar(doc.boilerplate.toolbar),
        _news_content(doc),
        f'<div class="view-count">Lượt xem: {escape(profile.view_count)}</div>',
        _share_bar(),
        _related(doc, profile),
        "</div>",
        _sidebar(doc, profile),
        "</div></main>",
        _footer(profile),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _head(title: str, profile: Profile, charset: str) -> str:
    if charset.lower() == "utf-8":
        declaration = '<meta charset="utf-8">'
    else:
        declaration = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="vi">',
        "<head>",
        declaration,
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)} - {escape(profile.site_name)}</title>",
        '<link rel="stylesheet" href="/Portal/css/bootstrap.min.css">',
        '<link rel="stylesheet" href="/Portal/css/site.css">',
        '<script src="/Portal/js/jquery.min.js"></script>',
        "</head>",
    ])


def _site_header(profile: Profile) -> str:
    menu = "".join(f'<li><a href="/{i}">{escape(item)}</a></li>' for i, item in enumerate(_MENU))
    return (
        '<header class="site-header">\n'
        f'<div class="banner"><a href="/"><img src="/Portal/images/logo.png" alt="Logo"></a>'
        f'<span class="site-name">{escape(profile.site_name.upper())}</span></div>\n'
        f'<nav class="main-menu"><ul>{menu}</ul></nav>\n'
        '<form class="search" action="/tim-kiem"><input type="text" name="q" placeholder="Tìm kiếm..."></form>\n'
        "</header>"
    )


def _toolbar(seed_toolbar: str | None) -> str:
    """The font-size/print toolbar; a seed that kept one decides which buttons exist."""
    labels = [label for label in _TOOLBAR_LABELS if seed_toolbar is None or label in seed_toolbar]
    if seed_toolbar is None:
        labels = labels[:4]
    links = " ".join(f'<a href="javascript:void(0)" class="tool">{escape(label)}</a>' for label in labels)
    return f'<div class="tool-bar">{links}</div>'


def _share_bar() -> str:
    return (
        '<div class="share-bar">Chia sẻ: <a href="#" class="fb">Facebook</a> <a href="#" class="zalo">Zalo</a> '
        '<a href="#" class="tw">Twitter</a> <a href="#" class="mail">Email</a></div>'
    )


def _related(doc: Document, profile: Profile) -> str:
    heading = doc.boilerplate.related_heading or "Các tin khác"
    links = doc.boilerplate.related_links or list(profile.related)
    items = "".join(f'<li><a href="/{profile.url_slug}/{i + 1}">{escape(link)}</a></li>' for i, link in enumerate(links))
    return f'<div class="other-news"><h3>{escape(heading)}</h3><ul>{items}</ul></div>'


def _sidebar(doc: Document, profile: Profile) -> str:
    heading = doc.boilerplate.latest_heading or "Tin mới nhất"
    items = "".join(
        f'<li><a href="/tin-tuc/{i + 101}">{escape(title)}</a> <span class="date">({_SIDEBAR_DATES[i % 4]})</span></li>'
        for i, title in enumerate(profile.sidebar)
    )
    return f'<aside class="col-md-4 sidebar"><div class="box-news"><h3>{escape(heading)}</h3><ul>{items}</ul></div></aside>'


def _footer(profile: Profile) -> str:
    lines = "".join(f"<p>{escape(line)}</p>" for line in profile.footer_lines)
    return f'<footer class="site-footer">{lines}<p>&copy; Bản quyền thuộc {escape(profile.site_name)}</p></footer>'


def inline_html(spans: list[Span]) -> str:
    """Escaped runs with <strong>/<em>, and Word-style footnote anchors."""
    parts: list[str] = []
    for span in spans:
        if span.footnote is not None:
            n = span.footnote
            parts.append(f'<a href="#_ftn{n}" name="_ftnref{n}" title="">[{n}]</a>')
            continue
        text = escape(span.text, quote=False)
        if span.bold:
            text = f"<strong>{text}</strong>"
        if span.italic:
            text = f"<em>{text}</em>"
        parts.append(text)
    return "".join(parts)


def _news_content(doc: Document) -> str:
    """The article proper: every block, table and footnote of the seed."""
    official = doc.kind == "official"
    lines = ['<div class="news-content">']
    for is_list, group in groupby(doc.body, key=lambda b: isinstance(b, Block) and b.role is Role.LIST_ITEM):
        items = list(group)
        if is_list and official:
            lines.append(_list_html(items))  # type: ignore[arg-type]
        else:
            lines.extend(_item_html(item, official) for item in items)
    if doc.footnotes:
        lines.append(_footnotes_html(doc))
    lines.append("</div>")
    return "\n".join(lines)


_BLOCK_HTML = {
    Role.NUMBER: '<p class="so-ky-hieu">{}</p>',
    Role.PLACE_DATE: '<p class="date" style="text-align:right"><em>{}</em></p>',
    Role.DOCTYPE: '<h1 class="title" style="text-align:center">{}</h1>',
    Role.SUBJECT: '<p class="trich-yeu" style="text-align:center"><strong>{}</strong></p>',
    Role.TITLE: '<h1 class="title">{}</h1>',
    Role.DATELINE: '<div class="date">{}</div>',
    Role.BYLINE: '<p style="text-align:right"><strong>{}</strong></p>',
    Role.SOURCE: '<p class="source"><em>{}</em></p>',
    Role.PARAGRAPH: '<p style="text-align:justify">{}</p>',
    Role.RECIPIENTS_LABEL: '<p class="noi-nhan"><strong><em>{}</em></strong></p>',
    Role.RECIPIENT: '<p class="noi-nhan-item" style="font-size:11pt">{}</p>',
    Role.SIGNER_TITLE: '<p class="signer" style="text-align:right"><strong>{}</strong></p>',
    Role.SIGNER_NAME: '<p class="signer" style="text-align:right"><strong>{}</strong></p>',
}


def _item_html(item: Block | Table, official: bool) -> str:
    if isinstance(item, Table):
        return _table_html(item)
    text = inline_html(item.spans)
    if item.role is Role.HEADING:
        if official:
            tag = f"h{item.level + 1}"
            return f"<{tag}>{text}</{tag}>"
        return f"<p><strong>{text}</strong></p>"
    if item.role is Role.LIST_ITEM:
        marker = "-" if item.level == 1 else "+"
        return f"<p>{marker} {text}</p>"  # portal CMS pages keep the typed dash
    return _BLOCK_HTML[item.role].format(text)


def _list_html(items: list[Block]) -> str:
    """A <ul>, with "+" items nested under the preceding "-" item."""
    out = ["<ul>"]
    nested = False
    for item in items:
        if item.level == 2 and not nested:
            out.append("<ul>")
            nested = True
        elif item.level == 1 and nested:
            out.append("</ul>")
            nested = False
        out.append(f"<li>{inline_html(item.spans)}</li>")
    out.append("</ul></ul>" if nested else "</ul>")
    return "".join(out)


def _table_html(table: Table) -> str:
    """<table> with <th> header rows, rowspan/colspan for merged cells."""
    rows = []
    for r, row in enumerate(table.rows):
        tag = "th" if r < table.header_rows else "td"
        cells = []
        for cell in row:
            if cell is None:
                continue
            span = "".join(
                f' {name}="{value}"' for name, value in (("rowspan", cell.rowspan), ("colspan", cell.colspan)) if value > 1
            )
            cells.append(f"<{tag}{span}>{inline_html(cell.spans)}</{tag}>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    head = "".join(rows[: table.header_rows])
    body = "".join(rows[table.header_rows :])
    return (
        '<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="4" style="border-collapse:collapse">\n'
        f"<thead>{head}</thead>\n<tbody>{body}</tbody>\n</table>"
    )


def _footnotes_html(doc: Document) -> str:
    """The note list as Word exports it: a short rule, then one div per note."""
    notes = [
        f'<div id="ftn{n}"><p class="MsoFootnoteText"><a href="#_ftnref{n}" name="_ftn{n}" title="">[{n}]</a> '
        f"{inline_html(spans)}</p></div>"
        for n, spans in doc.footnotes.items()
    ]
    return '<div style="mso-element:footnote-list"><br clear="all">\n<hr align="left" size="1" width="33%">\n' + "\n".join(notes) + "\n</div>"
