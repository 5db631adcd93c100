"""The parsed Document and the PDF page images of a document, looked up by its database id.

No path ever comes from a request: a route names a document id, the source path is read from
``documents.path`` (what ingest stored), and the bytes found there are used only if their
SHA-256 is the version's. A file changed or moved since ingest is "unavailable": the page
then shows the extraction's text without tables or images, and the checks keep their
stored status instead of rerunning.

The Document is stored once per version (``parsed_documents``, zlib-compressed JSON) and
kept in a small in-process cache: it never changes for a given content. pypdfium2 is not
thread-safe, and the app serves requests from a thread pool, so every PDFium call (parsing
a PDF, rendering a page) holds one lock.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Generic, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from baocao.parsers.base import Limits
from baocao.parsers.errors import BaocaoError
from baocao.schemas.document import Document
from baocao.store.inputs import MEMBER_SEPARATOR, read_member
from baocao.store.models import DocumentRow, ExtractionRow, ParsedDocumentRow, VersionRow

PDFIUM_LOCK = threading.RLock()
PAGE_SCALE = 1.5  # 108 dpi: a page is readable at 900 px wide
K = TypeVar("K")
V = TypeVar("V")


class SourceUnavailable(Exception):
    """The source file is gone, unreadable, or no longer the content that was ingested."""


class LRU(Generic[K, V]):
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self.size, self.items, self.lock = size, OrderedDict[K, V](), threading.Lock()

    def get(self, key: K) -> V | None:
        with self.lock:
            if key not in self.items:
                return None
            self.items.move_to_end(key)
            return self.items[key]

    def put(self, key: K, value: V) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def database_key(session: Session) -> str:
    """The database a session is bound to, for the per-process caches' keys."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return engine.url.render_as_string(hide_password=True)


@dataclass(frozen=True)
class Current:
    """A document's latest version and its current extraction: what the review shows."""

    document_id: int
    path: str
    version_id: int
    version_number: int
    sha256: str
    format: str
    pages: int | None
    extraction_id: int
    place: str | None


def current(session: Session, document_id: int) -> Current | None:
    """The latest version's current extraction of ``document_id`` (None: no such document)."""
    d, v, x = DocumentRow, VersionRow, ExtractionRow
    row = session.execute(
        select(d.id, d.path, v.id, v.number, v.sha256, v.format, v.pages, x.id, x.place)
        .join(v, v.document_id == d.id).join(x, x.version_id == v.id)
        .where(d.id == document_id, v.is_latest.is_(True), x.is_current.is_(True))
        .order_by(x.id.desc()).limit(1)).first()
    return Current(*row) if row is not None else None


def encode_document(doc: Document) -> bytes:
    return zlib.compress(doc.model_dump_json().encode(), 6)


def store_document(session: Session, version_id: int, doc: Document) -> None:
    """Keep ``doc`` as the parsed Document of ``version_id`` (ingest or tests may call it)."""
    if session.get(ParsedDocumentRow, version_id) is None:
        session.add(ParsedDocumentRow(version_id=version_id, schema_version=doc.schema_version,
                                      data=encode_document(doc)))
        session.flush()


@contextmanager
def local_file(path: str, limits: Limits) -> Iterator[Path]:
    """The source at ``path`` as a local file: the file itself, or a zip member copied out."""
    plain = Path(path)
    if plain.is_file():
        yield plain
        return
    cuts = [i for i, ch in enumerate(path) if ch == MEMBER_SEPARATOR
            and path[:i].lower().endswith(".zip") and Path(path[:i]).is_file()]
    if not cuts:
        raise SourceUnavailable(f"{path} is not on this machine any more")
    archive, member = path[:cuts[0]], path[cuts[0] + 1:]
    folder = tempfile.mkdtemp(prefix="baocao-review-")
    try:
        local = Path(folder) / (PurePosixPath(member.replace("\\", "/")).name or "member")
        with zipfile.ZipFile(archive) as zf, local.open("wb") as sink:
            read_member(zf, member, limits, path, sink)
        yield local
    except (zipfile.BadZipFile, KeyError, OSError, BaocaoError) as e:
        raise SourceUnavailable(f"{path}: {e}") from e
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Sources:
    """Documents and page images of one database, cached (one instance per app)."""

    def __init__(self, limits: Limits | None = None, documents: int = 8, pages: int = 64) -> None:
        self.limits = limits or Limits()
        self.documents: LRU[tuple[int, str], Document] = LRU(documents)
        self.pages: LRU[tuple[str, int], bytes] = LRU(pages)
        self.missing: LRU[str, str] = LRU(256)  # sha256 → why its source is unavailable

    def document(self, session: Session, cur: Current, text: str) -> Document | None:
        """The parsed Document of ``cur``'s version (stored, else parsed now), or None."""
        key = (cur.version_id, cur.sha256)
        cached = self.documents.get(key)
        if cached is not None:
            return cached
        row = session.get(ParsedDocumentRow, cur.version_id)
        doc = (Document.model_validate_json(zlib.decompress(row.data)) if row is not None
               else self._parse(cur, text))
        if doc is None:
            return None
        if row is None:
            store_document(session, cur.version_id, doc)
        self.documents.put(key, doc)
        return doc

    def why_missing(self, cur: Current) -> str | None:
        return self.missing.get(cur.sha256)

    def _parse(self, cur: Current, text: str) -> Document | None:
        """Parse the source again; None (and the reason kept) when it is not the same content."""
        if self.missing.get(cur.sha256) is not None:
            return None
        from baocao.parsers import parse

        try:
            with local_file(cur.path, self.limits) as local, PDFIUM_LOCK:
                if sha256_of(local) != cur.sha256:
                    raise SourceUnavailable(f"{cur.path} changed since it was ingested")
                doc = parse(local, limits=self.limits)
        except (SourceUnavailable, BaocaoError, OSError) as e:
            self.missing.put(cur.sha256, str(e))
            return None
        if doc.text != text:
            self.missing.put(cur.sha256, "the parser now reads this file differently")
            return None
        return doc

    def page_png(self, cur: Current, page: int) -> bytes:
        """Page ``page`` (1-based) of a PDF version as PNG; raises SourceUnavailable."""
        key = (cur.sha256, page)
        cached = self.pages.get(key)
        if cached is not None:
            return cached
        with local_file(cur.path, self.limits) as local:
            if sha256_of(local) != cur.sha256:
                raise SourceUnavailable(f"{cur.path} changed since it was ingested")
            png = render_page(local, page)
        self.pages.put(key, png)
        return png


def render_page(path: Path, page: int) -> bytes:
    """One PDF page as PNG at ``PAGE_SCALE``; raises SourceUnavailable past the last page."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(str(path))
        try:
            if not 1 <= page <= len(pdf):
                raise SourceUnavailable(f"no page {page}")
            bitmap = pdf[page - 1].render(scale=PAGE_SCALE)
            image = bitmap.to_pil()
        finally:
            pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=3)
    return out.getvalue()
