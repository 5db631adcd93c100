"""Hostile input: mutated corpus files for every reader, resource bombs, and every regex of
the project against catastrophic backtracking.

* Fuzz: hypothesis mutates corpus files (bit flips, overwritten, inserted, deleted and
  duplicated byte runs, truncation) for each reader, ``EXAMPLES`` files each, derandomised
  so CI runs the same cases. Each file is parsed in a sandbox process (``Sandbox``) with a
  per-file time limit and an address-space limit: the only acceptable outcomes are a
  Document or a typed ``parsers.errors.BaocaoError``; a hang, a crash, a ``MemoryError`` or
  any other exception fails the test with the reproducing file kept.
* Bombs: a zip bomb, a million-row pipe table and HTML table, 100,000 nested divs and a
  sparse 2 GB file are refused (or read) within a time limit and a memory budget.
* Regexes: every compiled pattern of ``parsers`` and ``extractor`` (module level, and the
  ones built from data files) runs over long repetitive texts of its own characters.
"""

from __future__ import annotations

import importlib
import io
import multiprocessing as mp
import multiprocessing.connection
import os
import pkgutil
import re
import resource
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baocao.extractor.numbers import parse_date, parse_number, parse_period
from baocao.parsers import Limits, parse
from baocao.parsers.errors import BaocaoError, ResourceLimitError
from tests.conftest import CORPUS, ROOT

EXAMPLES = 200              # mutated files per reader
DOC_EXAMPLES = 12           # .doc files: each is a LibreOffice conversion
FILE_SECONDS = 20.0         # one parse of one mutated file
MEMORY_HEADROOM = 2 << 30   # address space a sandboxed parse may add to the parent's
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SEEDS_BY_FORMAT: dict[str, list[Path]] = {
    "pdf": [CORPUS / "docs" / "002_5ad6a5fc7af788d2.pdf",
            CORPUS / "docs" / "000_823effeef226c2f0.lo.pdf"],
    "docx": [CORPUS / "docs" / "002_5ad6a5fc7af788d2.docx"],
    "html": [CORPUS / "docs" / "002_5ad6a5fc7af788d2.html",
             CORPUS / "docs" / "002_5ad6a5fc7af788d2.cp1258.html"],
    "text": [CORPUS / "seeds" / "001_422e18ebd3f30e83.txt"],
}
SUFFIX = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "text": ".txt", "doc": ".doc"}


# ------------------------------------------------------------------------------ sandbox

def _vm_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _serve(conn: multiprocessing.connection.Connection, workdir: str) -> None:
    """The sandbox's loop: parse each (suffix, bytes) it is sent, answer (outcome, detail)."""
    limit = _vm_bytes() + MEMORY_HEADROOM
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    path = Path(workdir) / "input"
    while True:
        try:
            suffix, data = conn.recv()
        except EOFError:
            return
        target = path.with_suffix(suffix)
        target.write_bytes(data)
        try:
            parse(target)
            conn.send(("ok", ""))
        except BaocaoError as e:
            conn.send(("typed", e.code))
        except MemoryError:
            conn.send(("memory", "MemoryError"))
        except Exception as e:  # noqa: BLE001 - the outcome under test
            conn.send(("untyped", f"{type(e).__name__}: {e}"[:300]))
        finally:
            target.unlink(missing_ok=True)


class Sandbox:
    """One forked worker process reused across files; killed and restarted after a hang."""

    def __init__(self) -> None:
        self.workdir = tempfile.mkdtemp(prefix="baocao-fuzz-")
        self._start()

    def _start(self) -> None:
        ctx = mp.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, self.workdir), daemon=True)
        self.proc.start()

    def run(self, suffix: str, data: bytes, timeout: float = FILE_SECONDS) -> tuple[str, str]:
        self.conn.send((suffix, data))
        if not self.conn.poll(timeout):
            self.proc.kill()
            self.proc.join()
            self._start()
            return "hang", f"no answer in {timeout:.0f} s"
        try:
            return self.conn.recv()  # type: ignore[no-any-return]
        except EOFError:
            self.proc.join()
            code = self.proc.exitcode
            self._start()
            return "crash", f"worker died (exit code {code})"

    def close(self) -> None:
        self.conn.close()
        self.proc.kill()
        self.proc.join()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox()
    yield box
    box.close()


# ----------------------------------------------------------------------------- mutations

@st.composite
def mutated(draw: st.DrawFn, seed: bytes, text: bool = False) -> bytes:
    """``seed`` with 1-4 mutations: the damage real downloads and hostile files show.
    ``text``: inserted runs are Unicode text (UTF-8) rather than raw bytes, so most
    mutated pages still decode and the damage reaches the reader behind the decoder."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        kind = draw(st.sampled_from(["flip", "overwrite", "insert", "delete", "duplicate",
                                     "truncate"]))
        chunk = (draw(st.text(min_size=1, max_size=64)).encode("utf-8", "surrogatepass")
                 if text else draw(st.binary(min_size=1, max_size=64)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "overwrite":
            data[at:at + len(chunk)] = chunk
        elif kind == "insert":
            data[at:at] = chunk * draw(st.integers(1, 8))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 4096))]
        elif kind == "duplicate":
            size = draw(st.integers(1, 4096))
            data[at:at] = data[at:at + size] * draw(st.integers(1, 16))
        elif kind == "truncate":
            del data[at:]
    return bytes(data)


@st.composite
def mutated_docx(draw: st.DrawFn, seed: bytes) -> bytes:
    """A DOCX whose container is intact but one XML part is mutated (half the cases), or
    whose ZIP bytes are (the other half): the first reaches python-docx and the reader."""
    if draw(st.booleans()):
        return draw(mutated(seed))
    with zipfile.ZipFile(io.BytesIO(seed)) as z:
        parts = {info.filename: z.read(info.filename) for info in z.infolist()}
    name = draw(st.sampled_from(sorted(n for n in parts if n.endswith(".xml"))))
    parts[name] = draw(mutated(parts[name], text=True))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for part, data in parts.items():
            z.writestr(part, data)
    return out.getvalue()


def mutations(fmt: str, seed: bytes) -> st.SearchStrategy[bytes]:
    if fmt == "docx":
        return mutated_docx(seed)
    if fmt in ("html", "text"):
        return st.one_of(mutated(seed, text=True), mutated(seed))
    return mutated(seed)


def _check(outcome: tuple[str, str], data: bytes, fmt: str) -> None:
    kind, detail = outcome
    if kind in ("ok", "typed"):
        return
    keep = Path(tempfile.gettempdir()) / f"baocao-fuzz-failure{SUFFIX[fmt]}"
    keep.write_bytes(data)
    pytest.fail(f"{fmt}: {kind}: {detail} (input kept at {keep})")


@pytest.mark.parametrize("fmt", sorted(SEEDS_BY_FORMAT))
def test_fuzz_mutated_corpus_files_give_typed_errors_only(fmt: str, sandbox: Sandbox) -> None:
    seeds = [p.read_bytes() for p in SEEDS_BY_FORMAT[fmt]]

    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        seed = seeds[data.draw(st.integers(0, len(seeds) - 1))]
        blob = data.draw(mutations(fmt, seed))
        _check(sandbox.run(SUFFIX[fmt], blob), blob, fmt)

    run()


def test_fuzz_mutated_word97_files(sandbox: Sandbox, tmp_path: Path) -> None:
    """.doc goes through LibreOffice (1-3 s a file), so fewer cases: ``DOC_EXAMPLES``."""
    from tests.test_doc import to_doc

    seed = to_doc(CORPUS / "docs" / "002_5ad6a5fc7af788d2.docx", tmp_path).read_bytes()

    @settings(FUZZ, max_examples=DOC_EXAMPLES)
    @given(mutated(seed))
    def run(blob: bytes) -> None:
        _check(sandbox.run(".doc", blob, timeout=240), blob, "doc")

    run()


def test_fuzz_sandbox_reports_hangs_and_untyped_errors(sandbox: Sandbox) -> None:
    assert sandbox.run(".txt", b"Tong so ho so: 20.845")[0] == "ok"
    assert sandbox.run(".txt", b"")[0] == "typed"


# ---------------------------------------------------------------------------------- bombs

def _timed_in_sandbox(box: Sandbox, suffix: str, data: bytes,
                      seconds: float) -> tuple[str, str, float]:
    start = time.perf_counter()
    kind, detail = box.run(suffix, data, timeout=seconds)
    return kind, detail, time.perf_counter() - start


def test_fuzz_zip_bomb_is_refused_from_its_directory(sandbox: Sandbox, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as member:
            zeros = b"\0" * (1 << 20)
            for _ in range(300):                         # 300 MB of zeros, ~300 KB packed
                member.write(zeros)
    kind, detail, seconds = _timed_in_sandbox(sandbox, ".docx", bomb.read_bytes(), 20)
    assert (kind, detail) == ("typed", ResourceLimitError.code)
    assert seconds < 5


def test_fuzz_million_row_pipe_table(sandbox: Sandbox) -> None:
    text = b"| STT | Don vi | So ho so |\n|---|---|---|\n" + b"| 1 | Xa A | 20.845 |\n" * 1_000_000
    kind, detail, seconds = _timed_in_sandbox(sandbox, ".txt", text, 60)
    assert (kind, detail) == ("typed", ResourceLimitError.code)
    assert seconds < 30


def test_fuzz_million_row_html_table(sandbox: Sandbox) -> None:
    rows = b"<tr><td>1</td><td>Xa A</td><td>20.845</td></tr>" * 1_000_000
    page = b"<html><body><article><p>Bang so lieu</p><table>" + rows + b"</table></article>"
    kind, detail, seconds = _timed_in_sandbox(sandbox, ".html", page, 120)
    assert (kind, detail) == ("typed", ResourceLimitError.code)
    assert seconds < 90


def test_fuzz_deeply_nested_html(sandbox: Sandbox) -> None:
    page = b"<html><body>" + b"<div>" * 100_000 + b"<p>Ty le dat 96,9%</p>" \
        + b"</div>" * 100_000 + b"</body></html>"
    kind, detail, seconds = _timed_in_sandbox(sandbox, ".html", page, 60)
    assert kind in ("ok", "typed"), detail
    assert seconds < 30


@pytest.mark.parametrize("suffix", [".pdf", ".docx", ".txt", ".html"])
def test_fuzz_sparse_2gb_file_is_refused_before_reading(suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"huge{suffix}"
    with path.open("wb") as f:
        f.write(b"%PDF-1.7\n" if suffix == ".pdf" else b"Tong so ho so")
        f.truncate(2 << 30)                              # sparse: no 2 GB is written
    start = time.perf_counter()
    with pytest.raises(ResourceLimitError, match="over the"):
        parse(path)
    assert time.perf_counter() - start < 1.0
    assert Limits().max_bytes < 2 << 30


# -------------------------------------------------------------------------------- regexes

def _patterns_in(obj: Any, seen: set[int]) -> Iterator[re.Pattern[str]]:
    """Compiled str patterns held by a module, or by the dataclasses its caches return."""
    values = vars(obj).values() if hasattr(obj, "__dict__") else ()
    for value in values:
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
            yield value


def all_patterns() -> dict[str, re.Pattern[str]]:
    """Every compiled regex of parsers/ and extractor/, named module.attribute."""
    found: dict[str, re.Pattern[str]] = {}
    seen: set[int] = set()
    for package in ("baocao.parsers", "baocao.extractor"):
        pkg = importlib.import_module(package)
        for info in pkgutil.iter_modules(pkg.__path__):
            module = importlib.import_module(f"{package}.{info.name}")
            for name, value in vars(module).items():
                if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                    found[f"{package}.{info.name}.{name}"] = value
    from baocao.parsers.html import rules
    from baocao.parsers.legacy import _speller

    for holder, label in ((rules(), "parsers.html.rules()"),
                          (_speller(), "parsers.legacy._speller()")):
        for k, pattern in enumerate(_patterns_in(holder, seen)):
            found[f"{label}[{k}]"] = pattern
    from baocao.parsers.pdf_layout import _page_number_re

    found["parsers.pdf_layout._page_number_re()"] = _page_number_re()  # built from data
    return found


PATTERNS = all_patterns()
# Building blocks of long inputs: what documents repeat (digits with separators, spaces,
# markup, words of the cue lists), each followed by a character that makes the match fail.
PIECES = ["1", "1.", "1,", "1/", "12.345", " ", "\n", "a", "đ", "ngày ", "tháng ", "năm ",
          "từ ", "- ", "| ", "**", "*", "[1]", "(", ")", "<div>", "</div>", "<", "\\", "#",
          "I.", "a) ", "\u0300", "Việt ", "hồ sơ ", "%", "–", "...", "_", "\t", "x"]
LENGTH = 6000
SECONDS = 1.0


def adversarial(pattern: re.Pattern[str]) -> Iterator[str]:
    """Long repetitions of single pieces and of pairs, with and without a failing tail."""
    literal = sorted({ch for ch in pattern.pattern if ch.isprintable() and not ch.isspace()
                      and ch not in "()[]{}?*+|^$\\"})[:12]
    pieces = PIECES + literal
    for piece in pieces:
        yield piece * (LENGTH // len(piece)) + "!"
    for a, b in zip(pieces, pieces[1:] + pieces[:1]):
        yield (a + b) * (LENGTH // len(a + b)) + "\x00"


def _cost(pattern: re.Pattern[str], text: str) -> float:
    start = time.perf_counter()
    for _ in pattern.finditer(text):
        pass
    pattern.match(text)
    pattern.fullmatch(text)
    return time.perf_counter() - start


def assert_not_catastrophic(name: str, pattern: re.Pattern[str], text: str) -> None:
    """Fast on ``text``, or at worst quadratic: a slow case (over ``SECONDS``) is re-timed on
    half the text, and the time may grow about 4x for twice the text (``\\s*`` tried at
    every start of a run of spaces is quadratic), never more. Growth, not a wall-clock
    limit, is what fails the test, so a loaded CI machine does not; timings are the best
    of three. Catastrophic backtracking grows exponentially and fails it at once."""
    full = min(_cost(pattern, text) for _ in range(2))
    if full < SECONDS:
        return
    half = min(_cost(pattern, text[:len(text) // 2] + text[-1]) for _ in range(3))
    if not (full < 20 * SECONDS and full < 6 * max(half, 1e-3)):
        # a busy machine can stall one timing: measure both again, interleaved, and judge
        # the growth on the best of each (catastrophic growth stays catastrophic)
        full = min(full, *(_cost(pattern, text) for _ in range(3)))
        half = min(half, *(_cost(pattern, text[:len(text) // 2] + text[-1]) for _ in range(3)))
    assert full < 6 * max(half, SECONDS / 4), \
        f"{name}: {half:.2f} s on {len(text) // 2} chars, {full:.2f} s on {len(text)}: {text[:30]!r}"


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_fuzz_regex_no_catastrophic_backtracking(name: str) -> None:
    pattern = PATTERNS[name]
    for text in adversarial(pattern):
        assert_not_catastrophic(name, pattern, text)


@settings(max_examples=100, derandomize=True, deadline=None, database=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=8), st.integers(50, 400))
def test_fuzz_regexes_on_random_repetitions(pieces: list[str], times: int) -> None:
    text = "".join(pieces) * times + "!"
    for name, pattern in PATTERNS.items():
        assert_not_catastrophic(name, pattern, text)


# -------------------------------------------------------------------------- normalisers

DATES = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))


@settings(max_examples=200, derandomize=True, database=None)
@given(DATES, st.booleans())
def test_fuzz_date_written_in_words_or_digits_reads_back(day: date, words: bool) -> None:
    text = (f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}" if words
            else f"ngày {day.day}/{day.month}/{day.year}")
    value = parse_date(text)
    assert value is not None
    assert (value.year, value.month, value.day) == (day.year, day.month, day.day)


@settings(max_examples=100, derandomize=True, database=None)
@given(st.integers(1990, 2040), st.integers(2, 12), st.integers(29, 31))
def test_fuzz_impossible_dates_are_none(year: int, month: int, day: int) -> None:
    try:
        date(year, month, day)
    except ValueError:
        assert parse_date(f"ngày {day}/{month}/{year}") is None


@settings(max_examples=100, derandomize=True, database=None)
@given(st.integers(1990, 2040), st.integers(1, 12), st.integers(1, 4))
def test_fuzz_periods_cover_their_calendar(year: int, month: int, quarter: int) -> None:
    m = parse_period(f"tháng {month}/{year}")
    assert m is not None and m.start == date(year, month, 1).isoformat()
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).isoformat()
    assert m.end == last
    roman = ["I", "II", "III", "IV"][quarter - 1]
    q = parse_period(f"Quý {roman}/{year}")
    assert q is not None and q.start == date(year, 3 * quarter - 2, 1).isoformat()
    y = parse_period(f"năm {year}")
    assert y is not None and (y.start, y.end) == (f"{year}-01-01", f"{year}-12-31")


@settings(max_examples=200, derandomize=True, database=None)
@given(st.integers(0, 10**12), st.integers(0, 99))
def test_fuzz_number_vi_and_en_groupings_agree(n: int, cents: int) -> None:
    vi = f"{n:,}".replace(",", ".") + f",{cents:02d}"
    en = f"{n:,}" + f".{cents:02d}"
    assert parse_number(vi).value == pytest.approx(n + cents / 100)
    assert parse_number(en, convention="en").value == pytest.approx(n + cents / 100)


def test_fuzz_all_patterns_found() -> None:
    assert len(PATTERNS) > 40
    assert any(name.startswith("baocao.parsers.legacy") for name in PATTERNS)
    assert ROOT.is_dir() and os.path.isdir(ROOT / "parsers")
