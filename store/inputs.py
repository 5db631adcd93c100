"""What to ingest: files, folders (recursive), globs and zip archives, as a list of items.

Listing is cheap (names and sizes only) so the progress bar knows its total at once; the
bytes are read later, one item at a time, by ``hash_item`` in the parent (to skip what is
done) and by the worker that parses it.

Zip archives are read member by member, never extracted wholesale. A member whose name is
absolute, climbs out with ``..`` or is a symbolic link is refused (``UnsafeArchiveMemberError``,
BC201); one whose declared size is over the file size limit or whose compression ratio is
that of a bomb is refused (``ResourceLimitError``, BC107), and reading stops at the limit
whatever the header declares. Each member is its own document: ``/abs/a.zip!dir/r.pdf``.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import re
import stat
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from baocao.parsers.base import Limits
from baocao.parsers.errors import BaocaoError, CorruptFileError, ResourceLimitError
from baocao.store.errors import UnsafeArchiveMemberError

MEMBER_SEPARATOR = "!"
BOMB_MIN_BYTES = 1 << 20  # ratios are only meaningful past this size (tiny files compress well)
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class Item:
    """One file to ingest. ``path`` is its document identity; ``file`` is what to open."""

    path: str
    file: str
    member: str | None = None
    size: int | None = None
    error: dict[str, Any] | None = None  # refused while listing: recorded, never parsed

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.member or self.file).suffix.lower()


@dataclass(frozen=True)
class Selection:
    """Which listed files to ingest: shell patterns (``*.pdf``, ``2024/**``, ``*.zip!*.docx``)
    matched on the file's name, its whole path and every tail of its path; ``include`` keeps
    only files matching one of its patterns (none given: every file), ``exclude`` drops files
    matching one of its patterns. Excluded files are not read, hashed or recorded."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def keeps(self, path: str) -> bool:
        if self.include and not any(_matches(path, p) for p in self.include):
            return False
        return not any(_matches(path, p) for p in self.exclude)


def _matches(path: str, pattern: str) -> bool:
    return path_pattern(pattern)(path)


@functools.lru_cache(maxsize=256)
def path_pattern(pattern: str) -> Callable[[str], bool]:
    """A test of paths against a shell pattern, as shells and ``.gitignore`` read it: ``*`` and
    ``?`` stay within one folder name, ``**`` crosses folders, ``[...]`` is a set. A pattern
    matches the whole path or any tail of it that starts after a ``/`` or an archive's ``!``,
    so ``report.pdf``, ``2024/*.pdf`` and ``*.zip!q1/*`` match wherever the files lie."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            if pattern.startswith("/", i):  # '**/' also matches no folder at all
                out[-1] = "(?:.*/)?"
                i += 1
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1:end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    regex = re.compile("(?:^|.*[/" + re.escape(MEMBER_SEPARATOR) + "])" + "".join(out) + "$",
                       re.DOTALL)

    def test(path: str) -> bool:
        return regex.match(path.replace("\\", "/")) is not None
    return test


@dataclass
class Listing:
    """What the inputs name: the items to ingest, the inputs that name nothing (a typo, a glob
    matching no file: reported to the user, never recorded as a document error) and how many
    files the selection left out."""

    items: list[Item]
    missing: list[str]
    excluded: int = 0


def list_inputs(inputs: Iterable[str | Path], limits: Limits | None = None,
                select: Selection | None = None) -> Listing:
    """Every file below the inputs, in a stable order, archives opened into their members."""
    limits, select = limits or Limits(), select or Selection()
    listing = Listing(items=[], missing=[])
    for raw in inputs:
        found = False
        for item in _expand_one(str(raw), limits):
            found = True
            if select.keeps(item.path):
                listing.items.append(item)
            else:
                listing.excluded += 1
        if not found and not _exists(str(raw)):
            listing.missing.append(str(raw))
    return listing


def expand(inputs: Iterable[str | Path], limits: Limits | None = None) -> list[Item]:
    """The items of ``list_inputs`` (inputs that name nothing are left out)."""
    return list_inputs(inputs, limits).items


def _exists(raw: str) -> bool:
    return Path(raw).exists() or bool(_GLOB_CHARS & set(raw) and glob.glob(raw, recursive=True))


def _expand_one(raw: str, limits: Limits) -> Iterator[Item]:
    path = Path(raw)
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and not _hidden(child.relative_to(path)):
                yield from _file_items(child, limits)
    elif path.is_file():
        yield from _file_items(path, limits)
    elif _GLOB_CHARS & set(raw) and (matches := sorted(glob.glob(raw, recursive=True))):
        for match in matches:
            yield from _expand_one(match, limits)


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in relative.parts)


def _file_items(path: Path, limits: Limits) -> Iterator[Item]:
    absolute = path.resolve()
    if absolute.suffix.lower() != ".zip":
        yield Item(path=str(absolute), file=str(absolute), size=absolute.stat().st_size)
        return
    try:
        with zipfile.ZipFile(absolute) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as e:
        error = CorruptFileError(f"a damaged zip archive ({e})", path=str(absolute))
        yield Item(path=str(absolute), file=str(absolute), error=error.record())
        return
    for info in infos:
        if info.is_dir():
            continue
        logical = f"{absolute}{MEMBER_SEPARATOR}{info.filename}"
        refusal = member_refusal(info, limits, logical)
        if refusal is None and _hidden(Path(info.filename.replace("\\", "/"))):
            continue  # checked first: '../x' must be refused, not skipped as hidden
        yield Item(path=logical, file=str(absolute), member=info.filename, size=info.file_size,
                   error=refusal.record() if refusal else None)


def member_refusal(info: zipfile.ZipInfo, limits: Limits, logical: str) -> BaocaoError | None:
    """Why a zip member must not be read (path traversal, link, bomb), or None."""
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
        return UnsafeArchiveMemberError(f"member path {info.filename!r} escapes the archive",
                                        path=logical)
    if stat.S_ISLNK(info.external_attr >> 16):
        return UnsafeArchiveMemberError(f"member {info.filename!r} is a symbolic link",
                                        path=logical)
    if info.file_size > limits.max_bytes:
        return ResourceLimitError(f"member declares {info.file_size:,} bytes, over the "
                                  f"{limits.max_bytes:,}-byte limit", path=logical)
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > BOMB_MIN_BYTES and ratio > limits.max_zip_ratio:
        return ResourceLimitError(f"compression ratio {ratio:,.0f}:1 is that of a zip bomb",
                                  path=logical)
    return None


def read_member(archive: zipfile.ZipFile, member: str, limits: Limits, logical: str,
                sink: IO[bytes] | None = None) -> tuple[str, int]:
    """Stream a member (bounded by the size limit) into ``sink``; returns (sha256, size)."""
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(member) as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                size += len(chunk)
                if size > limits.max_bytes:
                    raise ResourceLimitError(f"member inflates past {limits.max_bytes:,} bytes",
                                             path=logical)
                digest.update(chunk)
                if sink is not None:
                    sink.write(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError) as e:
        raise CorruptFileError(f"a damaged archive member ({e})", path=logical) from e
    return digest.hexdigest(), size


def hash_file(path: str, logical: str) -> tuple[str, int]:
    """sha256 and size of a plain file."""
    digest, size = hashlib.sha256(), 0
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                size += len(chunk)
                digest.update(chunk)
    except OSError as e:
        raise CorruptFileError(f"cannot read the file ({e.strerror})", path=logical) from e
    return digest.hexdigest(), size


class Hasher:
    """Hashes items in order, keeping the current archive open (members come grouped)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._archive: zipfile.ZipFile | None = None
        self._archive_path: str | None = None

    def __call__(self, item: Item) -> tuple[str, int]:
        if item.member is None:
            return hash_file(item.file, item.path)
        return read_member(self._open(item.file, item.path), item.member, self.limits, item.path)

    def _open(self, file: str, logical: str) -> zipfile.ZipFile:
        if self._archive_path != file:
            self.close()
            try:
                self._archive = zipfile.ZipFile(file)
            except (zipfile.BadZipFile, OSError) as e:
                raise CorruptFileError(f"a damaged zip archive ({e})", path=logical) from e
            self._archive_path = file
        assert self._archive is not None
        return self._archive

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
        self._archive, self._archive_path = None, None
