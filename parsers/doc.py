"""Word 97-2003 (.doc) → Document, through LibreOffice and the DOCX reader.

Why it is built this way:

* The binary .doc format (OLE2 compound file, FIB, piece tables, CHPX/PAPX runs) is large
  and full of version quirks; LibreOffice's Writer import has read it for twenty years, so
  the file is converted with ``soffice --headless --convert-to docx`` and the result is read
  by ``parsers.docx.read_docx``: one set of rules for paragraphs, list numbers, tables,
  footnotes and legacy fonts, whichever Word format a report arrives in.
* Every conversion runs in its own temporary folder with a private LibreOffice profile
  (``-env:UserInstallation``): a shared profile is locked by a running instance (a second
  conversion then exits at once without output) and would keep state between files.
* A hard ``timeout``: a hostile or broken file can make LibreOffice spin. The process group
  is killed when it expires, so no orphaned ``soffice.bin`` is left behind.
* Locations are those of the converted DOCX (``body_index``); LibreOffice keeps body order,
  so they still point at the same paragraph and table of the original. The conversion is
  stated in the Document's warnings.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from baocao.parsers.base import Limits
from baocao.parsers.docx import read_docx
from baocao.parsers.errors import (
    ConversionError,
    ConverterUnavailableError,
    CorruptFileError,
    ParseError,
)
from baocao.schemas.document import Document, Source

__all__ = ["read_doc", "soffice_binary", "convert_to_docx", "TIMEOUT"]

TIMEOUT = 180.0            # seconds; the 55-page real report converts in about 3 s
_BINARIES = ("soffice", "libreoffice", "lowriter")
_INSTALL = "Word 97 .doc needs LibreOffice: apt-get install libreoffice-writer"


def soffice_binary() -> str | None:
    """The LibreOffice binary (``BAOCAO_SOFFICE`` overrides the search), or None."""
    override = os.environ.get("BAOCAO_SOFFICE")
    if override:
        return override if shutil.which(override) else None
    return next((found for name in _BINARIES if (found := shutil.which(name))), None)


def read_doc(path: Path, source: Source, limits: Limits) -> Document:
    """Read a Word 97-2003 document: convert it to DOCX with LibreOffice, then read that."""
    with tempfile.TemporaryDirectory(prefix="baocao-doc-") as tmp:
        converted = convert_to_docx(path, Path(tmp))
        try:
            doc = read_docx(converted, source, limits)
        except ParseError as e:              # the converted file's name → the original's
            e.path = str(path)
            raise
    doc.warnings.insert(0, "converted: Word 97-2003 .doc read through LibreOffice "
                           "(soffice --convert-to docx); locations are those of the DOCX")
    return doc


def convert_to_docx(path: Path, workdir: Path, *, timeout: float = TIMEOUT) -> Path:
    """``path`` converted to a DOCX in ``workdir``; typed errors for every failure."""
    binary = soffice_binary()
    if binary is None:
        raise ConverterUnavailableError("LibreOffice (soffice) is not installed",
                                        path=str(path), hint=_INSTALL)
    profile = (workdir / "profile").resolve().as_uri()
    out = workdir / "out"
    # a plain ASCII name: LibreOffice mangles some non-ASCII names on the way out
    staged = workdir / "input.doc"
    shutil.copyfile(path, staged)
    cmd = [binary, "--headless", "--norestore", "--nologo", "--nolockcheck",
           f"-env:UserInstallation={profile}", "--convert-to", "docx", "--outdir", str(out),
           str(staged)]
    _run(cmd, timeout, str(path))
    result = out / "input.docx"
    if not result.is_file() or result.stat().st_size == 0:
        raise CorruptFileError("LibreOffice could not read this Word document (no output)",
                               path=str(path))
    return result


def _run(cmd: list[str], timeout: float, where: str) -> None:
    """Run LibreOffice in its own process group; kill the whole group on timeout."""
    env = {**os.environ, "HOME": str(Path(cmd[-1]).parent), "SAL_USE_VCLPLUGIN": "svp"}
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env, start_new_session=True)
    except OSError as e:
        raise ConverterUnavailableError(f"cannot run LibreOffice ({e.strerror})", path=where,
                                        hint=_INSTALL) from e
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as e:
        _kill_group(proc)
        raise ConversionError(f"LibreOffice took over {timeout:.0f} s to convert the file",
                              path=where) from e
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise ConversionError(f"LibreOffice failed ({proc.returncode}): {tail[0][:200]}",
                              path=where)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.communicate()
