"""The parsed Document and the PDF page images of a document, looked up by its database id.

No path ever comes from a request: a route names a document id, the source path is read from
``documents.path`` (what ingest stored), and the bytes found there are used only if their
SHA-256 is the version's. A file changed or moved since ingest is "unavailable": the page
then shows the extraction's text without tables or images, and the checks keep their
stored status instead of rerunning. Unavailable is remembered for ``RETRY_MISSING_SECONDS``
only: a source put back (a share remounted, a file restored) is found again without a
restart.

The Document is stored once per version (``parsed_documents``, zlib-compressed JSON), by
ingest itself (``store.worker``), so opening a document reads it from the database, never
from the source file; and kept in a small in-process cache. Versions ingested before that
(or stored without it) are parsed the first time they are opened, from the source file, in
a child process (``parse_in_process``): a scan's OCR or a ``.doc``'s LibreOffice conversion
takes seconds and must not hold anything other requests need, a hostile file gets a time
limit, and the parsers' PDFium calls stay out of this process. pypdfium2 is not
thread-safe, and the app serves requests from a thread pool, so the one PDFium call made
here (rendering one page, ``render_page``) holds ``PDFIUM_LOCK`` for that page only. Two
requests for the same unparsed version wait for one parse (a lock per version).
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
import threading
import time
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from baocao.parsers.base import Limits
from baocao.parsers.errors import BaocaoError
from baocao.schemas.document import Document
from baocao.store.inputs import MEMBER_SEPARATOR, read_member
from baocao.store.models import DocumentRow, ExtractionRow, ParsedDocumentRow, VersionRow
from baocao.store.repository import store_parsed_document
from baocao.store.rows import decode_document, encode_document

PDFIUM_LOCK = threading.Lock()  # held for one page render, never across a parse
PAGE_SCALE = 1.5  # 108 dpi: a page is readable at 900 px wide
RETRY_MISSING_SECONDS = 30.0  # an unavailable source is looked for again after this
PARSE_TIMEOUT = 120.0  # as ingest's default per-file limit
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

    def pop(self, key: K) -> None:
        with self.lock:
            self.items.pop(key, None)


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


def store_document(session: Session, version_id: int, doc: Document) -> None:
    """Keep ``doc`` as the parsed Document of ``version_id`` (ingest or tests may call it)."""
    if session.get(ParsedDocumentRow, version_id) is None:
        store_parsed_document(session, version_id, encode_document(doc), doc.schema_version,
                              new=True)
        session.flush()


class KeyedLocks:
    """A lock per key, created on demand and dropped when nobody holds or awaits it."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._locks: dict[Hashable, tuple[threading.Lock, list[int]]] = {}

    @contextmanager
    def hold(self, key: Hashable) -> Iterator[None]:
        with self._mutex:
            lock, users = self._locks.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._mutex:
                users[0] -= 1
                if users[0] == 0:
                    del self._locks[key]


@dataclass(frozen=True)
class ParseJob:
    """One file to parse in a child process (a plain local path, already checked)."""

    path: str
    limits: Limits


def parse_job(job: ParseJob) -> dict[str, Any]:
    """In the child: ``{"ok": True, "data": encoded Document}`` or ``{"ok": False, "error"}``.

    Never raises: the file is untrusted, whatever it does comes back as a message."""
    from baocao.parsers import parse

    try:
        doc = parse(Path(job.path), limits=job.limits)
    except BaocaoError as e:
        return {"ok": False, "error": str(e)}
    except Exception as e:  # noqa: BLE001 - a parser bug on one file is that file's problem
        return {"ok": False, "error": f"{type(e).__name__}: {e}"}
    return {"ok": True, "data": encode_document(doc)}


def parse_in_process(job: ParseJob, timeout: float,
                     function: Callable[[ParseJob], dict[str, Any]] = parse_job
                     ) -> dict[str, Any]:
    """``function(job)`` in a child process of ``store.pool`` (forked from its warmed fork
    server), killed past ``timeout`` seconds; a child that dies is reported, not raised."""
    from baocao.store.pool import WorkerPool

    def timed_out(_: ParseJob) -> dict[str, Any]:
        return {"ok": False, "error": f"not parsed within {timeout:g} s"}

    def crashed(_: ParseJob, exitcode: int | None) -> dict[str, Any]:
        return {"ok": False, "error": f"the parser died (exit code {exitcode})"}

    with WorkerPool(1, function, timeout=timeout, on_timeout=timed_out,
                    on_crash=crashed) as pool:
        [(_, result)] = list(pool.map_unordered([job]))
    return result


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
    """Documents and page images of one database, cached (one instance per app).

    ``parse_function`` runs in the child process that parses a version ingested without its
    Document (tests give a slow one); ``clock`` dates what is remembered as unavailable.
    """

    def __init__(self, limits: Limits | None = None, documents: int = 8, pages: int = 64, *,
                 retry_seconds: float = RETRY_MISSING_SECONDS,
                 parse_timeout: float = PARSE_TIMEOUT,
                 parse_function: Callable[[ParseJob], dict[str, Any]] = parse_job,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or Limits()
        self.documents: LRU[tuple[int, int], Document] = LRU(documents)
        self.pages: LRU[tuple[str, int], bytes] = LRU(pages)
        self.missing: LRU[str, tuple[str, float]] = LRU(256)  # sha256 → (why, since when)
        self.retry_seconds, self.parse_timeout = retry_seconds, parse_timeout
        self.parse_function, self.clock = parse_function, clock
        self.parsing = KeyedLocks()

    def document(self, session: Session, cur: Current, text: str) -> Document | None:
        """The parsed Document of ``cur``'s version (stored, else parsed now), or None."""
        key = (cur.version_id, cur.extraction_id)
        cached = self.documents.get(key)
        if cached is not None:
            return cached
        row = session.get(ParsedDocumentRow, cur.version_id)
        if row is not None:
            try:
                doc = decode_document(row.data)
            except (ValueError, zlib.error):  # stored by a release whose schema differs
                pass
            else:
                self.documents.put(key, doc)
                return doc
        with self.parsing.hold(cur.version_id):  # one parse of a version at a time
            cached = self.documents.get(key)  # parsed by the request this one waited for
            if cached is not None:
                return cached
            parsed = self._parse(cur, text)
            if parsed is None:
                return None
            data, doc = parsed
            store_parsed_document(session, cur.version_id, data, doc.schema_version,
                                  new=row is None)
            session.flush()
            self.documents.put(key, doc)
        return doc

    def why_missing(self, cur: Current) -> str | None:
        """Why the source of ``cur`` was found unavailable, unless that is old enough to be
        looked for again (then forgotten)."""
        found = self.missing.get(cur.sha256)
        if found is None:
            return None
        why, since = found
        if self.clock() - since >= self.retry_seconds:
            self.missing.pop(cur.sha256)
            return None
        return why

    def _unavailable(self, cur: Current, why: str) -> None:
        self.missing.put(cur.sha256, (why, self.clock()))

    def _parse(self, cur: Current, text: str) -> tuple[bytes, Document] | None:
        """Parse the source again (in a child process); None, and the reason remembered for a
        while, when it is not there or not the same content."""
        if self.why_missing(cur) is not None:
            return None
        try:
            with local_file(cur.path, self.limits) as local:
                if sha256_of(local) != cur.sha256:
                    raise SourceUnavailable(f"{cur.path} changed since it was ingested")
                result = parse_in_process(ParseJob(str(local), self.limits),
                                          self.parse_timeout, self.parse_function)
        except (SourceUnavailable, OSError) as e:
            self._unavailable(cur, str(e))
            return None
        if not result["ok"]:
            self._unavailable(cur, str(result["error"]))
            return None
        data: bytes = result["data"]
        doc = decode_document(data)
        if doc.text != text:
            self._unavailable(cur, "the parser now reads this file differently")
            return None
        doc.source.path = cur.path
        return encode_document(doc), doc

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
