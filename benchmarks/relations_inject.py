"""The relation checker against injected errors: does it catch a real-looking mistake, and how
often does it cry wolf?

Run from the repository root:

    .venv/bin/python benchmarks/relations_inject.py [--limit 40] [--seed 1]
        [--sets corpus,devset,extra] [--workers 2] [--details] [--json OUT.json]

Sources are the text documents of ``corpus/seeds`` and, where present, ``../shared/devset/texts``
and ``/work/devdata/extra/texts`` (read in place; the output says which sets were there).
Every document is extracted; each check that passes with rule ``sum``, ``share``,
``shares_total`` or ``difference`` is a relation the document states correctly. For each
relation (at most ``--limit`` a document, drawn with ``--seed``), one figure of it is changed
as a real error would change it, one error type at a time, in a copy of the file written to a
temporary folder under the same name:

    digit     one digit changed                      15.739 -> 15.789
    swap      two adjacent digits swapped            15.739 -> 15.793
    drop      a part of a sum removed, figure and unit ("đúng hạn 15.739 hồ sơ" -> "đúng hạn")
    double    a part of a sum (or a share's part) doubled   1.865 -> 3.730
    decimal   the decimal comma moved one place      89,4 -> 8,94
    rounding  a share's percentage truncated instead of rounded, or the reverse
              (13,058 % printed 13,06 -> 13,05). The checker accepts both on purpose
              (a report may truncate), so this row measures tolerance, not recall.

The figure is found in the raw file by its text; the canonical text differs from the file in
markup and whitespace, so the occurrence whose 20 characters on each side best match the
canonical context is taken, and a mutation that cannot be placed unambiguously is skipped
(and counted). A change after which the relation still holds as written (689 -> 688 in
689 / 19.944 = 3,45 %, or an approximate "gần 49 ngàn" moved within its vagueness) is no error:
it is counted as harmless and not run. Every other mutated copy is extracted again, and the
mutation is

    caught        a new failing check (not in the original) involves the mutated figure (for a
                  dropped part: one of the relation's remaining figures);
    unverifiable  else a new check involving it comes out unverifiable;
    passed        else a check of the relation's rule involving it passes (for a dropped part:
                  involving the total);
    gone          else nothing about it: the relation silently disappeared.

False alarms: the failing checks of the untouched documents, each marked against the gold
(``corpus/gold/*.relations.yaml``, the devset's and the extra set's ``fail`` lines) as a real
error of the document or not; and on the mutated copies, the new failing checks that do not
involve the mutated figure.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import re
import shlex
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SETS = {
    "corpus": ROOT / "corpus" / "seeds",
    "devset": ROOT.parent / "shared" / "devset" / "texts",
    "extra": Path("/work/devdata/extra/texts"),
}
RULES = ("sum", "share", "shares_total", "difference")
TYPES = ("digit", "swap", "drop", "double", "decimal", "rounding")
TYPE_NAMES = {
    "digit": "(a) one digit changed",
    "swap": "(b) adjacent digits swapped",
    "drop": "(c) a part dropped",
    "double": "(d) a part doubled",
    "decimal": "(e) decimal comma moved",
    "rounding": "(f) truncated <-> rounded",
}
CONTEXT = 20              # characters of context on each side used to place a figure
MIN_SCORE = 1.2           # of 2.0: left + right context similarity of the best occurrence
MARGIN = 0.1              # the best occurrence must beat the second by this much

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NOISE = re.compile(r"[\s*|#_`>]+")


# -- written numbers ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Written:
    """A number as the document writes it: "15.739", "89,4", "9.5", "08"."""

    text: str
    int_digits: str
    frac_digits: str
    thousands: str | None        # the grouping mark, when the integer part is grouped
    mark: str | None             # the decimal mark, when there are decimals

    @property
    def value(self) -> float:
        return float(f"{self.int_digits or '0'}.{self.frac_digits or '0'}")


def parse_written(text: str, decimals: int | None) -> Written | None:
    """The written number ``text`` (digits and . , marks only) with ``decimals`` decimals."""
    if not re.fullmatch(r"\d+(?:[.,]\d+)*", text):
        return None
    d = decimals or 0
    if d:
        if len(text) < d + 2 or text[-d - 1] not in ".," or not text[-d:].isdigit():
            return None
        int_part, mark, frac = text[:-d - 1], text[-d - 1], text[-d:]
    else:
        int_part, mark, frac = text, None, ""
    seps = set(re.sub(r"\d", "", int_part))
    if len(seps) > 1 or (mark and mark in seps):
        return None
    thousands = seps.pop() if seps else None
    if thousands and not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+", int_part):
        return None
    return Written(text, int_part.replace(thousands or "#", ""), frac, thousands, mark)


def _group(digits: str, sep: str | None) -> str:
    if not sep or len(digits) <= 3:
        return digits
    head = len(digits) % 3 or 3
    return digits[:head] + "".join(sep + digits[i:i + 3] for i in range(head, len(digits), 3))


def _grouping_for(w: Written) -> str | None:
    """The grouping mark to write a new integer part with: the document's own, or the
    Vietnamese "." when the number had none yet but now needs one (1.865 doubled is 3.730)."""
    if w.thousands:
        return w.thousands
    return None if w.mark == "." else "."


def render(w: Written, int_digits: str, frac_digits: str) -> str:
    """A new number written in the style of ``w``."""
    text = _group(int_digits, _grouping_for(w) if len(int_digits) > 3 else w.thousands)
    if frac_digits:
        text += (w.mark or ",") + frac_digits
    return text


def change_digit(w: Written, rng: random.Random) -> str | None:
    """(a) One digit replaced by another; a number never gains a leading zero."""
    digits = w.int_digits + w.frac_digits
    pos = rng.randrange(len(digits))
    choices = [c for c in "0123456789" if c != digits[pos] and not (pos == 0 and c == "0" and len(w.int_digits) > 1)]
    new = digits[:pos] + rng.choice(choices) + digits[pos + 1:]
    return _same_layout(w, new)


def swap_digits(w: Written, rng: random.Random) -> str | None:
    """(b) Two adjacent digits (separators left where they are) that differ, swapped."""
    digits = w.int_digits + w.frac_digits
    pairs = [i for i in range(len(digits) - 1) if digits[i] != digits[i + 1]
             and not (i == 0 and digits[1] == "0" and len(w.int_digits) > 1)]
    if not pairs:
        return None
    i = rng.choice(pairs)
    return _same_layout(w, digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:])


def _same_layout(w: Written, digits: str) -> str:
    """``digits`` put back into the layout of ``w.text`` (marks at the same places)."""
    it = iter(digits)
    return "".join(next(it) if c.isdigit() else c for c in w.text)


def double(w: Written) -> str:
    """(d) The value doubled, written with the same decimals and the document's marks."""
    d = len(w.frac_digits)
    scaled = int(w.int_digits + w.frac_digits) * 2
    digits = str(scaled).rjust(d + 1, "0")
    int_digits, frac = digits[:len(digits) - d] if d else digits, digits[len(digits) - d:] if d else ""
    if len(w.int_digits) > 1 and w.int_digits.startswith("0"):       # "04" -> "08"
        int_digits = int_digits.rjust(len(w.int_digits), "0")
    return render(w, int_digits, frac)


def move_decimal(w: Written, rng: random.Random) -> str | None:
    """(e) The decimal mark moved one place left (89,4 -> 8,94) or right (13,06 -> 130,6); only
    for a number written with decimals, and never so far right that the mark disappears."""
    if not w.frac_digits:
        return None
    digits = w.int_digits + w.frac_digits
    d = len(w.frac_digits)
    options = [d + 1] + ([d - 1] if d >= 2 else [])
    nd = rng.choice(options)
    int_digits = digits[:len(digits) - nd].lstrip("0") or "0"
    frac = digits[len(digits) - nd:]
    return render(w, int_digits, frac)


def flip_rounding(w: Written, exact: float) -> str | None:
    """(f) The percentage written the other way: truncated where it was rounded, rounded where
    it was truncated (13,058 %: 13,06 <-> 13,05); None when both give the same figure."""
    d = len(w.frac_digits)
    scale = 10 ** d
    rounded = math.floor(exact * scale + 0.5 + 1e-9) / scale
    truncated = math.floor(exact * scale + 1e-9) / scale
    if abs(rounded - truncated) < 1e-9:
        return None
    if abs(w.value - rounded) < 1e-9:
        target = truncated
    elif abs(w.value - truncated) < 1e-9:
        target = rounded
    else:
        return None
    digits = f"{target:.{d}f}".replace(".", "")
    return render(w, digits[:len(digits) - d] if d else digits, digits[len(digits) - d:] if d else "")


def drop_part(raw: str, start: int, end: int, unit: str | None) -> tuple[int, int] | None:
    """(c) The span to remove for a dropped part: the figure, its unit written right after it
    ("15.739 hồ sơ"), and one space. None where that would be awkward: a fraction ("9/15")."""
    if raw[end:end + 1] == "/" or raw[max(0, start - 1):start] == "/":
        return None
    stop = end
    if unit:
        m = re.match(rf"\s*{re.escape(unit)}(?!\w)", raw[end:], re.IGNORECASE)
        if m is not None:
            stop = end + m.end()
    if raw[stop:stop + 1] == " ":
        stop += 1
    elif start > 0 and raw[start - 1] == " ":
        start -= 1
    return start, stop


# -- placing a figure -----------------------------------------------------------------------------

def _norm(s: str) -> str:
    return _NOISE.sub(" ", s)


def _occurrences(hay: str, needle: str) -> list[int]:
    rx = re.compile(rf"(?<!\d)(?<!\d[.,]){re.escape(needle)}(?!\d)(?![.,]\d)")
    return [m.start() for m in rx.finditer(hay)]


def place(hay: str, needle: str, left: str, right: str) -> tuple[int | None, str]:
    """The start of the occurrence of ``needle`` in ``hay`` whose surroundings best match the
    ``left`` and ``right`` context taken from the other text (markup and whitespace ignored).
    Returns (position, "") or (None, why)."""
    found = _occurrences(hay, needle)
    if not found:
        return None, "not found"
    ref_l, ref_r = _norm(left)[-CONTEXT:], _norm(right)[:CONTEXT]
    scored = []
    for i in found:
        left = _norm(hay[max(0, i - 4 * CONTEXT):i])[-CONTEXT:]
        r = _norm(hay[i + len(needle):i + len(needle) + 4 * CONTEXT])[:CONTEXT]
        scored.append((SequenceMatcher(None, left, ref_l).ratio() + SequenceMatcher(None, r, ref_r).ratio(), i))
    scored.sort(reverse=True)
    if scored[0][0] < MIN_SCORE:
        return None, "context does not match"
    if len(scored) > 1 and scored[1][0] > scored[0][0] - MARGIN:
        return None, "ambiguous"
    return scored[0][1], ""


def context_of(text: str, start: int, end: int) -> tuple[str, str]:
    return text[max(0, start - 4 * CONTEXT):start], text[end:end + 4 * CONTEXT]


def sentence_of(text: str, start: int, end: int, width: int = 220) -> str:
    """The sentence (or table line, or clause of a long one) that a span stands in."""
    left = text[max(0, start - 400):start]
    cut = max((m.end() for m in re.finditer(r"[.!?;](?=\s)|\n", left)), default=0)
    a = max(0, start - 400) + cut
    m = re.search(r"[.!?;](?=\s|$)|\n", text[end:end + 400])
    b = end + (m.end() if m else min(400, len(text) - end))
    s = " ".join(text[a:b].split())
    if len(s) > width:
        rel = start - a
        lo = max(0, min(rel - width // 2, len(s) - width))
        s = ("…" if lo else "") + s[lo:lo + width] + ("…" if lo + width < len(s) else "")
    return s


# -- the plan ---------------------------------------------------------------------------------

@dataclass
class Figure:
    """A fact of a relation, placed in the raw file."""

    fid: str
    text: str                     # the number as written ("89,4" of "89,4%")
    raw_start: int
    raw_end: int
    role: str                     # total, part, whole, share, level, change
    sentence: str


@dataclass
class Mutant:
    doc: str
    rel: str                      # the check id in the original extraction
    rule: str
    explanation: str
    type: str
    figure: Figure
    new_text: str                 # "" for a dropped part
    cut: tuple[int, int]          # raw span replaced by new_text
    others: list[Figure] = field(default_factory=list)   # the relation's remaining figures (drop)
    origin: str = "cue"           # which part of the checker found the relation: cue rules or search
    harmless: bool = False        # the relation still holds with the change: no error, not run


@dataclass
class Outcome:
    mutant: Mutant
    status: str                   # caught, unverifiable, passed, gone
    by: str = ""                  # the check that caught it (or made it unverifiable)
    found: bool = True            # the mutated figure was found among the copy's facts
    alarms: list[tuple[str, str, str]] = field(default_factory=list)   # (rule, explanation, sentence)


def roles(rule: str, facts: list) -> list[str]:  # noqa: ANN001 - list[Fact]
    if rule == "sum":
        return ["total"] + ["part"] * (len(facts) - 1)
    if rule == "share":
        return ["part", "whole", "share"] if len(facts) == 3 else ["part", "share"]
    if rule == "shares_total":
        return ["share"] * len(facts)
    return ["level", "level", "change"] if len(facts) == 3 else ["figure"] * len(facts)


def _number_in(fact) -> tuple[str, int] | None:  # noqa: ANN001
    """The written number of a fact ("89,4" in "89,4%", "65,7" in "65,7/90") and its offset."""
    m = _NUMBER.search(fact.text)
    return (m.group(0), m.start()) if m else None


class Planner:
    """One document: its original extraction, its raw text, and the mutants of its relations."""

    def __init__(self, path: Path, seed: int = 1) -> None:
        from baocao.api import extract

        self.path, self.seed = path, seed
        self.raw = path.read_bytes().decode("utf-8")
        self.ex = extract(path)
        self.facts = {f.id: f for f in self.ex.facts}
        self.relations = [c for c in self.ex.checks if c.rule in RULES and c.status.value == "pass"]
        self.exact_share = {c.facts[-1]: float(c.actual) for c in self.ex.checks
                            if c.rule == "share" and c.status.value == "pass" and isinstance(c.actual, float)}
        self._placed: dict[str, Figure | str] = {}

    def figure(self, fid: str, role: str) -> Figure | str:
        """The fact ``fid`` placed in the raw file, or why it cannot be."""
        if fid not in self._placed:
            self._placed[fid] = self._place(self.facts[fid], role)
        p = self._placed[fid]
        return Figure(**{**asdict(p), "role": role}) if isinstance(p, Figure) else p

    def _place(self, f, role: str) -> Figure | str:  # noqa: ANN001
        num = _number_in(f)
        if num is None:
            return "no number"
        number, offset = num
        start, end = f.span[0] + offset, f.span[0] + offset + len(number)
        pos, why = place(self.raw, number, *context_of(self.ex.text, start, end))
        if pos is None:     # the whole text of the fact, in case the number alone is too common
            pos_full, _ = place(self.raw, f.text, *context_of(self.ex.text, f.span[0], f.span[1]))
            pos = None if pos_full is None else pos_full + offset
        if pos is None:
            return why
        return Figure(f.id, number, pos, pos + len(number), role, sentence_of(self.ex.text, start, end))

    def mutant(self, check, kind: str, fact_id: str | None = None) -> Mutant | tuple[str, str]:  # noqa: ANN001
        """One mutant of ``check`` for the error ``kind``: on ``fact_id``, or on a figure of the
        relation drawn at random (seeded). ("n/a", why) when the error does not apply to the
        relation, ("skip", why) when it cannot be placed or would be awkward."""
        rng = random.Random(f"{self.seed}:{self.path.name}:{check.id}:{kind}")
        rel_facts = [self.facts[i] for i in check.facts]
        rel_roles = roles(check.rule, rel_facts)
        eligible = _eligible(kind, check, rel_facts, rel_roles, self.exact_share)
        if fact_id is not None:
            eligible = [(f, r) for f, r in eligible if f.id == fact_id]
        if not eligible:
            return "n/a", "no figure it applies to"
        fact, role = eligible[rng.randrange(len(eligible))]
        fig = self.figure(fact.id, role)
        if isinstance(fig, str):
            return "skip", fig
        w = parse_written(fig.text, fact.decimals)
        if w is None:
            return "skip", "unusual number layout"
        origin = "cue" if (not check.evidence and not check.scope) or any(
            e.detail.startswith("cue rule") for e in check.evidence) else "search"
        if kind == "drop":
            if fact.location.cell is not None:   # how a blank cell is written depends on the format
                return "skip", "table cell"
            cut = drop_part(self.raw, fig.raw_start, fig.raw_end, fact.unit)
            if cut is None:
                return "skip", "fraction"
            others = [o for o in (self.figure(f.id, r) for f, r in zip(rel_facts, rel_roles) if f.id != fact.id)
                      if isinstance(o, Figure)]
            return Mutant(self.path.name, check.id, check.rule, check.explanation, kind, fig, "", cut,
                          others, origin, still_holds(check, rel_facts, fact.id, None, None))
        new = {"digit": lambda: change_digit(w, rng), "swap": lambda: swap_digits(w, rng),
               "double": lambda: double(w), "decimal": lambda: move_decimal(w, rng),
               "rounding": lambda: flip_rounding(w, self.exact_share.get(fact.id, float("nan")))}[kind]()
        if new is None or new == fig.text:
            return "n/a", "no such change of this figure"
        nw = parse_written(new, len(new.rsplit(w.mark, 1)[1]) if w.mark and w.mark in new else 0)
        scale = float(fact.value) / w.value if w.value else 1.0
        new_value = (nw.value if nw else float("nan")) * scale
        harmless = kind != "rounding" and still_holds(check, rel_facts, fact.id, new_value,
                                                      len(nw.frac_digits) if nw else None)
        return Mutant(self.path.name, check.id, check.rule, check.explanation, kind, fig, new,
                      (fig.raw_start, fig.raw_end), [], origin, harmless)


def plan_document(path: Path, limit: int | None, seed: int, types: tuple[str, ...] = TYPES):
    """The planner of ``path``, the relations taken (at most ``limit``, drawn with ``seed``),
    their mutants, and by type the count of mutations not applicable, skipped (with why)."""
    planner = Planner(path, seed)
    relations = planner.relations
    if limit is not None and len(relations) > limit:
        picked = set(random.Random(f"{seed}:{path.name}").sample(range(len(relations)), limit))
        relations = [c for i, c in enumerate(relations) if i in picked]
    mutants: list[Mutant] = []
    na: Counter[str] = Counter()
    skip_why: Counter[tuple[str, str]] = Counter()
    for check in relations:
        for kind in types:
            m = planner.mutant(check, kind)
            if isinstance(m, Mutant):
                mutants.append(m)
            elif m[0] == "n/a":
                na[kind] += 1
            else:
                skip_why[(kind, m[1])] += 1
    return planner, relations, mutants, na, skip_why


def _eligible(kind: str, check, facts: list, rel_roles: list[str], exact_share: dict):  # noqa: ANN001
    """The (fact, role) pairs of a relation that an error of ``kind`` can hit."""
    pairs = [(f, r) for f, r in zip(facts, rel_roles) if _number_in(f) is not None]
    if kind == "digit":
        return pairs
    if kind == "swap":
        return [(f, r) for f, r in pairs if len(set(re.sub(r"\D", "", _number_in(f)[0]))) > 1]
    if kind == "drop":
        return [(f, r) for f, r in pairs if check.rule == "sum" and r == "part"]
    if kind == "double":
        return [(f, r) for f, r in pairs if r == "part" and f.value]
    if kind == "decimal":
        return [(f, r) for f, r in pairs if (f.decimals or 0) > 0]
    if kind == "rounding":
        return [(f, r) for f, r in pairs if r == "share" and (f.decimals or 0) > 0 and f.id in exact_share]
    raise ValueError(kind)


def _half_unit(f, decimals: int | None) -> float:  # noqa: ANN001
    """What rounding to the written precision may hide: half a unit of the last written decimal
    for a rounded figure (a decimal, a percentage, a score); nothing for a whole count."""
    if decimals or f.kind.value in ("percentage", "score"):
        return 0.5 * 10 ** -(decimals or 0)
    return 0.0


def still_holds(check, facts: list, mutated_id: str, new_value: float | None,  # noqa: ANN001
                new_decimals: int | None) -> bool:
    """Whether the relation still holds, as written, with the mutated figure (``new_value``
    None: dropped): "689 -> 688" in 689 / 19.944 = 3,45 % is no error at all, and neither is an
    approximate figure ("gần 49 ngàn") moved within its vagueness. The tolerance is the one the
    written precision allows, not the checker's own: such mutations are counted apart."""
    values, tol = [], 0.0
    for f in facts:
        if f.id == mutated_id:
            values.append(new_value)
            tol += 0.0 if new_value is None else _half_unit(f, new_decimals)
        else:
            values.append(float(f.value))
            tol += _half_unit(f, f.decimals)
    approx = any(f.qualifier.value != "exact" for f in facts)
    if check.rule == "share":
        pct, pct_d = values[-1], (new_decimals if facts[-1].id == mutated_id else facts[-1].decimals) or 0
        part = values[0]
        whole = values[1] if len(facts) == 3 else float(facts[0].denominator or 0)
        if part is None or pct is None or not whole:
            return False
        got = 100.0 * part / whole
        if abs(got - pct) <= 0.5 * 10 ** -pct_d + 1e-9:
            return True
        if math.floor(got * 10 ** pct_d + 1e-9) / 10 ** pct_d == round(pct, pct_d):
            return True      # truncated rather than rounded: accepted, as the checker does
        return approx and abs(got - pct) <= 0.03 * pct + 0.5 * 10 ** -pct_d   # vague by ~3 %
    present = [0.0 if v is None else v for v in values]
    if approx:
        tol = max(tol, 0.03 * max(abs(v) for v in present))
    if check.rule == "sum":
        return abs(sum(present[1:]) - present[0]) <= tol + 1e-9
    if check.rule == "shares_total":
        return abs(sum(present) - 100.0) <= tol + 1e-9
    if len(present) != 3:
        return False
    # difference: the signs that make the original figures add up to zero
    orig = [float(f.value) for f in facts]
    a, b = min(((a, b) for a in (1, -1) for b in (1, -1)),
               key=lambda ab: abs(orig[0] + ab[0] * orig[1] + ab[1] * orig[2]))
    return abs(present[0] + a * present[1] + b * present[2]) <= tol + 1e-9


# -- running a mutant -------------------------------------------------------------------------

_WORKDIR: str | None = None


def _init(workdir: str) -> None:
    global _WORKDIR
    _WORKDIR = workdir


def mutated_text(raw: str, m: Mutant) -> str:
    return raw[:m.cut[0]] + m.new_text + raw[m.cut[1]:]


def _shift(pos: int, m: Mutant) -> int:
    """A raw position of the original in the mutated copy."""
    if pos >= m.cut[1]:
        return pos + len(m.new_text) - (m.cut[1] - m.cut[0])
    return pos


def signatures(ex) -> frozenset:  # noqa: ANN001
    """The checks of an extraction as (rule, status, explanation): what a copy shares with it."""
    return frozenset((c.rule, c.status.value, c.explanation) for c in ex.checks)


def run_mutant(task: tuple[int, str, str, Mutant, frozenset]) -> Outcome:
    """Extract the mutated copy and judge it (see the module docstring). ``task`` is (index,
    file name, mutated text, mutant, the original's checks as (rule, status, explanation))."""
    from baocao.api import extract

    index, name, text, m, original = task
    folder = Path(_WORKDIR or tempfile.gettempdir()) / str(index)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode("utf-8"))
    try:
        ex = extract(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    probes = [(m.figure.raw_start, m.new_text)] if m.type != "drop" else \
        [(_shift(o.raw_start, m), o.text) for o in m.others]
    involved: set[str] = set()
    total_ids: set[str] = set()
    for (raw_pos, needle), role in zip(probes, [m.figure.role] if m.type != "drop" else [o.role for o in m.others]):
        left, right = context_of(text, raw_pos, raw_pos + len(needle))
        pos, _ = place(ex.text, needle, left, right)
        if pos is None:
            continue
        ids = {f.id for f in ex.facts if f.span[0] < pos + len(needle) and pos < f.span[1]}
        involved |= ids
        if role == "total":
            total_ids |= ids
    spans = {f.id: f.span for f in ex.facts}
    # checks written exactly as in the original (rule, status, arithmetic) were there before
    new_checks = [c for c in ex.checks if (c.rule, c.status.value, c.explanation) not in original]
    status, by = "gone", ""
    for c in new_checks:
        if c.status.value == "fail" and involved & set(c.facts):
            status, by = "caught", f"{c.rule}: {c.explanation}"
            break
    if status == "gone":
        hit = next((c for c in new_checks if c.status.value == "unverifiable" and involved & set(c.facts)), None)
        if hit is not None:
            status, by = "unverifiable", f"{hit.rule}: {hit.explanation}" + (f" [why: {hit.why}]" if hit.why else "")
    if status == "gone":
        # for a dropped part, the relation still passes when its total passes in a sum
        still = involved if m.type != "drop" else total_ids
        hit = next((c for c in ex.checks if c.status.value == "pass" and c.rule == m.rule
                    and still & set(c.facts)), None)
        if hit is not None:
            status, by = "passed", f"{hit.rule}: {hit.explanation}"
    alarms = []
    for c in new_checks:
        if c.status.value == "fail" and not (involved & set(c.facts)):
            span = spans.get(c.facts[0], (0, 0)) if c.facts else (0, 0)
            alarms.append((c.rule, c.explanation, sentence_of(ex.text, *span)))
    return Outcome(m, status, by, found=bool(involved), alarms=alarms)


# -- gold: which failing checks are real errors of the documents --------------------------------

GOLD = {
    "corpus": ROOT / "corpus" / "gold",                       # <seed>.relations.yaml, status: fail
    "devset": ROOT.parent / "shared" / "devset" / "gold.txt",  # "fail v1 v2 ..." lines
    "extra": Path("/work/devdata/extra/gold"),
}


def gold_errors(sets: list[str]) -> dict[str, list[tuple[str, list[str]]]]:
    """Document id -> the stated relations its gold marks as failing, each as ("text", texts
    of its figures) for the corpus or ("value", values) for the development sets. A document
    without gold is absent."""
    out: dict[str, list[tuple[str, list[str]]]] = {}
    if "corpus" in sets and GOLD["corpus"].is_dir():
        import yaml

        for path in sorted(GOLD["corpus"].glob("*.relations.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            doc = str(data.get("seed") or path.name.split(".")[0])
            out[doc] = [("text", _texts_in(r)) for r in data.get("relations") or []
                        if r.get("status") == "fail"]
    from baocao.extractor.devset import gold_files, parse_gold

    for name in ("devset", "extra"):
        if name in sets and GOLD[name].exists():
            for doc, gold in parse_gold(gold_files(GOLD[name])).items():
                out[doc] = [("value", list(values)) for values in gold.fails]
    return out


def _texts_in(node) -> list[str]:  # noqa: ANN001
    if isinstance(node, dict):
        return ([node["text"]] if isinstance(node.get("text"), str) else []) + \
            [t for k, v in node.items() if k != "text" for t in _texts_in(v)]
    if isinstance(node, list):
        return [t for v in node for t in _texts_in(v)]
    return []


def is_known_error(check, facts: dict, gold: list[tuple[str, list[str]]]) -> bool:  # noqa: ANN001
    """A failing check that involves every figure of one of the gold's failing relations."""
    involved = [facts[i] for i in check.facts if i in facts]
    texts = {f.text for f in involved}
    values = [float(f.value) for f in involved if isinstance(f.value, float)]
    strings = {str(f.value) for f in involved}
    for how, wanted in gold:
        if how == "text" and wanted and all(t in texts for t in wanted):
            return True
        if how == "value" and wanted and all(
                w in strings or any(_close(v, w) for v in values) for w in wanted):
            return True
    return False


def _close(v: float, w: str) -> bool:
    try:
        return math.isclose(v, float(w), abs_tol=1e-6)
    except ValueError:
        return False


# -- the report -------------------------------------------------------------------------------

def command_line(args: argparse.Namespace) -> str:
    parts = [".venv/bin/python", "benchmarks/relations_inject.py", "--sets", ",".join(args.sets),
             "--limit", str(args.limit), "--seed", str(args.seed), "--workers", str(args.workers)]
    if args.details:
        parts.append("--details")
    if args.json:
        parts += ["--json", str(args.json)]
    return " ".join(shlex.quote(p) for p in parts)


def _pct(a: int, b: int) -> str:
    return f"{a / b:6.1%}" if b else "     -"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=40, help="relations a document at most (0: all)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the random choices (relations, figure, digit)")
    ap.add_argument("--sets", type=lambda s: [x for x in s.split(",") if x], default=list(SETS),
                    help="comma-separated: " + ",".join(SETS))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--details", action="store_true", help="list every missed mutation")
    ap.add_argument("--json", type=Path, help="write every outcome to this file")
    args = ap.parse_args(argv)
    unknown = [s for s in args.sets if s not in SETS]
    if unknown:
        ap.error(f"unknown set(s) {unknown}; known: {', '.join(SETS)}")
    started = time.perf_counter()
    print(f"$ {command_line(args)}")

    present, files = [], []
    for name in args.sets:
        folder = SETS[name]
        found = sorted(folder.glob("*.txt")) if folder.is_dir() else []
        shown = os.path.relpath(folder, ROOT) if folder.is_relative_to(ROOT.parent) else str(folder)
        present.append(f"{name} ({shown}): {len(found)} documents" if found else f"{name} ({shown}): absent")
        files += found
    print("sets: " + "; ".join(present))

    limit = args.limit or None
    tasks: list[tuple[int, str, str, Mutant, frozenset]] = []
    originals: list[tuple[str, str, str, str, str]] = []     # (doc, rule, explanation, sentence, verdict)
    relation_count: Counter[str] = Counter()
    taken_count: Counter[str] = Counter()
    skips: Counter[str] = Counter()
    skip_why: Counter[tuple[str, str]] = Counter()
    na: Counter[str] = Counter()
    consistent: Counter[str] = Counter()
    unreadable = []
    kept: list[Outcome] = []                                    # harmless mutants, not run
    golds = gold_errors(args.sets)
    for path in files:
        try:
            planner, relations, mutants, n_a, why = plan_document(path, limit, args.seed)
        except UnicodeDecodeError:
            unreadable.append(path.name)
            continue
        ex, raw = planner.ex, planner.raw
        relation_count.update(c.rule for c in planner.relations)
        taken_count.update(c.rule for c in relations)
        for (kind, _), n in why.items():
            skips[kind] += n
        skip_why.update(why)
        na.update(n_a)
        consistent.update(m.type for m in mutants if m.harmless)
        spans = {f.id: f.span for f in ex.facts}
        fails = [c for c in ex.checks if c.status.value == "fail"]
        gold = golds.get(path.stem)
        for c in fails:
            verdict = "no gold" if gold is None else \
                "real error (gold)" if is_known_error(c, planner.facts, gold) else "not in gold"
            originals.append((path.name, c.rule, c.explanation,
                              sentence_of(ex.text, *spans.get(c.facts[0], (0, 0))) if c.facts else "",
                              verdict))
        known = signatures(ex)
        for m in mutants:
            if m.harmless:
                kept.append(Outcome(m, "harmless"))
            else:
                tasks.append((len(tasks), path.name, mutated_text(raw, m), m, known))
    total_rel = sum(relation_count.values())
    print(f"{len(files) - len(unreadable)} documents, {total_rel} passing relations "
          f"({', '.join(f'{r} {relation_count[r]}' for r in RULES)}); "
          f"{sum(taken_count.values())} taken (--limit {args.limit} a document), "
          f"{len(tasks)} mutated copies to extract ({len(kept)} more left their relation holding: not errors)")
    if unreadable:
        print(f"not UTF-8, left out: {', '.join(unreadable)}")

    # the biggest documents first, so that the two workers finish together
    order = sorted(tasks, key=lambda t: -len(t[2]))
    workdir = tempfile.mkdtemp(prefix="relations_inject_")
    try:
        if args.workers > 1:
            ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
            with ctx.Pool(args.workers, initializer=_init, initargs=(workdir,)) as pool:
                outcomes = list(pool.imap_unordered(run_mutant, order, chunksize=2))
        else:
            _init(workdir)
            outcomes = [run_mutant(t) for t in order]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    outcomes.sort(key=lambda o: (o.mutant.doc, int(o.mutant.rel.lstrip("cx") or 0), TYPES.index(o.mutant.type)))

    # the table
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        table[o.mutant.type][o.status] += 1
        table[o.mutant.type]["tried"] += 1
        if o.mutant.type == "drop" and len(o.mutant.others) >= 3:
            table["drop3"][o.status] += 1
            table["drop3"]["tried"] += 1
    print()
    head = (f"{'error type':<30} {'tried':>6} {'caught':>7} {'unverif':>8} {'missed':>7} "
            f"{'(passed':>8} {'gone)':>6} {'harmless':>9} {'skipped':>8} {'n/a':>5} {'recall':>7}")
    print(head)
    print("-" * len(head))
    tot: Counter[str] = Counter()
    for kind in TYPES + ("drop3",):
        row = table[kind]
        missed = row["passed"] + row["gone"]
        name = TYPE_NAMES.get(kind, "    of sums of 3+ parts")
        extra = ("", "", "") if kind == "drop3" else (consistent[kind], skips[kind], na[kind])
        print(f"{name:<30} {row['tried']:>6} {row['caught']:>7} {row['unverifiable']:>8} {missed:>7} "
              f"{row['passed']:>8} {row['gone']:>6} {extra[0]!s:>9} {extra[1]!s:>8} {extra[2]!s:>5} "
              f"{_pct(row['caught'], row['tried']):>7}")
        if kind in TYPES and kind != "rounding":
            tot.update(row)
    missed = tot["passed"] + tot["gone"]
    errors = [k for k in TYPES if k != "rounding"]
    print("-" * len(head))
    print(f"{'errors (a)-(e)':<30} {tot['tried']:>6} {tot['caught']:>7} {tot['unverifiable']:>8} {missed:>7} "
          f"{tot['passed']:>8} {tot['gone']:>6} {sum(consistent[k] for k in errors):>9} "
          f"{sum(skips[k] for k in errors):>8} {sum(na[k] for k in errors):>5} {_pct(tot['caught'], tot['tried']):>7}")
    print("tried: mutated copies extracted; recall = caught as fail / tried. harmless: the relation still\n"
          "holds with the changed figure (no error; not tried). skipped: could not be placed or awkward.\n"
          "n/a: the relation has no figure the error applies to. (f) is accepted by design (a report\n"
          "may truncate): there a pass is right and a fail would be a false alarm.")
    unread = Counter(o.mutant.type for o in outcomes if o.status == "gone" and not o.found)
    if unread:
        print("of the gone, the mutated figure (for (c): every remaining figure) is no longer read as a "
              "fact: " + ", ".join(f"{k} {unread[k]}" for k in TYPES if unread[k]))

    def breakdown(title: str, key, keys) -> None:  # noqa: ANN001
        rows: dict[str, Counter[str]] = defaultdict(Counter)
        for o in outcomes:
            if o.mutant.type != "rounding":
                rows[key(o)][o.status] += 1
                rows[key(o)]["tried"] += 1
        print(f"\nerrors (a)-(e) by {title}:")
        for k in keys:
            row = rows[k]
            print(f"  {k:<32} tried {row['tried']:>4}  caught {row['caught']:>4} "
                  f"({_pct(row['caught'], row['tried']).strip():>6})  unverifiable {row['unverifiable']:>4}"
                  f"  passed {row['passed']:>4}  gone {row['gone']:>4}")

    breakdown("the rule of the relation hit", lambda o: o.mutant.rule, RULES)
    breakdown("what found the relation (cue rules: extractor/checks.py; search: extractor/relations.py)",
              lambda o: o.mutant.origin, ("cue", "search"))
    breakdown("role of the mutated figure", lambda o: o.mutant.figure.role,
              sorted({o.mutant.figure.role for o in outcomes}))

    if skips:
        print("\nskipped (could not be placed or awkward): " +
              ", ".join(f"{k} {why} {n}" for (k, why), n in sorted(skip_why.items())))

    verdicts = Counter(o[4] for o in originals)
    print(f"\nfailing checks on the untouched documents: {len(originals)}; "
          f"{verdicts['real error (gold)']} real errors of the documents (a gold `fail` relation), "
          f"{verdicts['not in gold']} not in the gold (false alarms, or errors the gold missed), "
          f"{verdicts['no gold']} in documents without gold")
    for doc, rule, expl, sent, verdict in sorted(originals, key=lambda o: (o[4] != "not in gold", o[0])):
        print(f"  [{verdict}] {doc}: {rule}: {expl}\n      “{sent}”")

    alarm_docs: dict[tuple[str, str, str], list[Outcome]] = defaultdict(list)
    sentences: dict[tuple[str, str, str], str] = {}
    for o in outcomes:
        for rule, expl, sent in o.alarms:
            alarm_docs[(o.mutant.doc, rule, expl)].append(o)
            sentences[(o.mutant.doc, rule, expl)] = sent
    n_alarmed = sum(1 for o in outcomes if o.alarms)
    fa = [o for o in outcomes if o.mutant.type != "rounding"]
    print(f"\nfalse alarms on the mutated copies (fails not involving the mutated figure, not in the "
          f"original): {sum(len(o.alarms) for o in outcomes)} in {n_alarmed} of {len(outcomes)} copies "
          f"({_pct(sum(1 for o in fa if o.alarms), len(fa)).strip()} of (a)-(e))")
    for key, os_ in sorted(alarm_docs.items(), key=lambda kv: -len(kv[1])):
        doc, rule, expl = key
        ex_m = os_[0].mutant
        print(f"  {doc}: {rule}: {expl}  [{len(os_)} copies; e.g. {ex_m.type} "
              f"{ex_m.figure.text} -> {ex_m.new_text or '(dropped)'}]\n      “{sentences[key]}”")
    fa_rounding = [o for o in outcomes if o.mutant.type == "rounding" and o.status == "caught"]
    if fa_rounding:
        print(f"\n(f) flagged as fail although truncation is accepted: {len(fa_rounding)}")
        for o in fa_rounding:
            print(f"  {o.mutant.doc}: {o.mutant.figure.text} -> {o.mutant.new_text}: {o.by}")

    missed_groups: Counter[tuple[str, str, str]] = Counter()
    for o in outcomes:
        if o.mutant.type != "rounding" and o.status in ("passed", "gone"):
            missed_groups[(o.mutant.rule, o.mutant.type, o.status)] += 1
    print("\nmissed errors (a)-(e) by rule, type and outcome: " +
          ", ".join(f"{r}/{t}/{s} {n}" for (r, t, s), n in sorted(missed_groups.items(), key=lambda kv: -kv[1])))
    if args.details:
        print("\nmissed and unverifiable mutations:")
        for o in outcomes:
            if o.status == "caught" or o.mutant.type == "rounding":
                continue
            m = o.mutant
            print(f"  {m.doc} {m.rel} {m.rule} {m.type} {m.figure.role} {m.figure.text} -> "
                  f"{m.new_text or '(dropped)'}: {o.status}{' by ' + o.by if o.by else ''}\n"
                  f"      relation: {m.explanation}\n      “{m.figure.sentence}”")
    if args.json:
        args.json.write_text(json.dumps([{**asdict(o.mutant), "status": o.status, "by": o.by,
                                          "found": o.found, "alarms": o.alarms} for o in outcomes + kept],
                                        ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\noutcomes written to {args.json}")
    print(f"\n{time.perf_counter() - started:.0f} s with {args.workers} worker(s)")


if __name__ == "__main__":
    main()
