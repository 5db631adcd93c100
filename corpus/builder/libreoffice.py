"""DOCX to PDF with LibreOffice headless, which is how many government PDFs are made.

Each run uses its own throw-away user profile so parallel builds (or a desktop
LibreOffice) cannot collide on the lock of the default profile.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

_TIMEOUT_SECONDS = 300


def find_soffice() -> str | None:
    """Path of ``soffice`` (or ``libreoffice``), None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(docx_files: list[Path], targets: list[Path]) -> None:
    """Convert each DOCX to the PDF at the same index of ``targets`` in one soffice call."""
    soffice = find_soffice()
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="baocao-lo-") as work:
        profile = Path(work, "profile").as_uri()
        outdir = Path(work, "out")
        command = [
            soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
            "--convert-to", "pdf", "--outdir", str(outdir), *map(str, docx_files),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT_SECONDS, check=False)
        for source, target in zip(docx_files, targets, strict=True):
            produced = outdir / f"{source.stem}.pdf"
            if not produced.exists():
                raise RuntimeError(f"LibreOffice did not convert {source.name}: {result.stderr.strip()}")
            shutil.move(produced, target)
