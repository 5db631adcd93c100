"""What a worker does with one file: parse + extract + prepare rows, or a typed error record.

The rows include the parsed Document, encoded here (``store.rows.encode_document``), so the
review app shows a document without parsing its file again (OCR, LibreOffice) and the
single writer only inserts its bytes.

The same ``process`` runs in the local process pool and on Dask workers. It never raises:
a file that cannot be read gives ``{"ok": False, "error": record}`` with the typed error of
``parsers.errors``; an unexpected exception (a bug) gives ``UnexpectedError`` (BC206) so one
bad file never stops a run of thousands. A collection after each file keeps a long-lived
worker's memory flat (parsers build large temporary trees with reference cycles): the young
generations after every file, where a file's cycles are (0.06 ms), and a full collection
every ``FULL_COLLECT_EVERY`` files for what outlived them (a full one after every file cost
1.4-2.7 ms a file, 4-5 % of a worker's time; peak RSS the same either way:
``benchmarks/ingest.py`` prints RSS over the first and the last 100 files). What the first
file loads (models, vocabularies) is moved out of the collector's sight with ``gc.freeze()``,
without which every full collection re-scans spaCy's and underthesea's millions of objects
(60-115 ms a file, measured, against 0.1-2 ms frozen).

Zip members are copied to a private temporary file under their own base name (so the
extension still tells the parser what the file claims to be) and deleted right after.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from baocao.parsers.base import Limits
from baocao.parsers.errors import BaocaoError, CorruptFileError
from baocao.schemas.document import Document
from baocao.schemas.extraction import Extraction
from baocao.store.errors import UnexpectedError
from baocao.store.inputs import read_member
from baocao.store.rows import prepare


@dataclass(frozen=True)
class Task:
    """One file to read: its document path, the file (or archive) to open, what the parent hashed."""

    path: str
    file: str
    member: str | None
    sha256: str
    size: int
    limits: Limits = Limits()


def process(task: Task) -> dict[str, Any]:
    """Parse, extract and prepare the rows of ``task`` (the parsed Document's included):
    ``{"ok": True, "rows": Prepared, "pages": n}``, or ``{"ok": False, "error": record}``."""
    return _guarded(task, lambda ex, doc: {"ok": True, "rows": prepare(ex, doc),
                                           "pages": ex.source.pages or 0})


def process_extraction(task: Task) -> dict[str, Any]:
    """Like ``process``, keeping the Extraction itself (``"extraction"``) for callers in the
    same process (the Dask Parquet writer)."""
    return _guarded(task, lambda ex, _doc: {"ok": True, "extraction": ex,
                                            "pages": ex.source.pages or 0})


def _guarded(task: Task, done: Callable[[Extraction, Document], dict[str, Any]]
             ) -> dict[str, Any]:
    try:
        return done(*_extract(task))
    except BaocaoError as e:
        e.path = task.path
        return {"ok": False, "error": e.record()}
    except Exception as e:  # noqa: BLE001 - a bug in one file must not stop the run
        error = UnexpectedError(f"{type(e).__name__}: {e}", path=task.path)
        return {"ok": False, "error": error.record()}
    finally:
        collect()


FULL_COLLECT_EVERY = 16
_frozen = False
_files = 0


def collect() -> None:
    """The young generations' collection, a full one every ``FULL_COLLECT_EVERY`` calls;
    the first call is a full one and freezes what is loaded by then (see above)."""
    global _frozen, _files
    _files += 1
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True
    else:
        gc.collect(2 if _files % FULL_COLLECT_EVERY == 0 else 1)


def _extract(task: Task) -> tuple[Extraction, Document]:
    """``baocao.extract`` of the task's file, keeping the parsed Document too."""
    from baocao.extractor.pipeline import extract_document
    from baocao.parsers import parse

    with _local_copy(task) as local:
        doc = parse(local, limits=task.limits)
    ex = extract_document(doc)
    ex.source.path = doc.source.path = task.path
    return ex, doc


@contextmanager
def _local_copy(task: Task) -> Iterator[Path]:
    """The file itself, or a temporary copy of an archive member (deleted afterwards)."""
    if task.member is None:
        yield Path(task.file)
        return
    folder = tempfile.mkdtemp(prefix="baocao-")
    try:
        name = PurePosixPath(task.member.replace("\\", "/")).name or "member"
        local = Path(folder) / name
        try:
            with zipfile.ZipFile(task.file) as archive, local.open("wb") as sink:
                read_member(archive, task.member, task.limits, task.path, sink)
        except (zipfile.BadZipFile, OSError) as e:
            raise CorruptFileError(f"a damaged zip archive ({e})", path=task.path) from e
        yield local
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_WARM_TEXT = ("ỦY BAN NHÂN DÂN HUYỆN\nBÁO CÁO\nKết quả 9 tháng đầu năm 2023\n"
              "Tổng số hồ sơ tiếp nhận 20.845 hồ sơ, đã giải quyết 17.604 hồ sơ, "
              "trong đó đúng hạn 15.739 hồ sơ, chiếm tỷ lệ 89,4%.\n")


def warm_up() -> None:
    """Import the readers and load the vocabularies once, before workers are forked.

    Run in the fork server (``store.pool``): every worker then starts warm and shares these
    pages copy-on-write instead of paying ~1.5 s and ~150 MB each.
    """
    import baocao.parsers.docx  # noqa: F401
    import baocao.parsers.html  # noqa: F401
    import baocao.parsers.pdf  # noqa: F401
    from baocao.api import extract

    fd, name = tempfile.mkstemp(suffix=".txt", prefix="baocao-warm-")
    try:
        os.write(fd, _WARM_TEXT.encode())
        os.close(fd)
        extract(name)
    except BaocaoError:  # pragma: no cover - warming is best effort
        pass
    finally:
        os.unlink(name)
        collect()
