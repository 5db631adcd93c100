"""``baocao eval --devset``: the team's yardstick on real documents nobody here wrote.

A development set is a gold file (or a folder of them) in the format of
``../shared/devset/gold.txt``: one ``== <doc id>`` section a document, one fact a line (``KIND
VALUE[/DENOMINATOR] [| label words]``, ``?`` for optional), ``pass``/``fail`` lines for the
relations the document states, ``meta`` lines. Documents are found by their id (the file name
without its extension) in the document folders given.

Scoring is a faithful port of ``../shared/devset/score.py`` (``tests/test_devset.py`` checks
that both give the same figures on the same outputs), with two additions that only apply when
asked for:
- a ``# scope: ... ends before the words "..."`` comment limits a document's gold to the text
  before those words (gold for the first part of a long report); facts after them are ignored;
- label accuracy is also reported separately for facts in table cells and in running text.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = {"count", "score", "rank", "percentage", "deadline"}
ALIAS = {"pct": "percentage"}
_SCOPE = re.compile(r'^#\s*scope:.*ends before the words\s+"([^"]+)"')
_DATE = re.compile(r"\d{4}-\d\d-\d\d$")


def fold(s: Any) -> str:
    s = unicodedata.normalize("NFD", str(s).lower().replace("đ", "d"))
    return re.sub(r"\s+", " ", "".join(c for c in s if unicodedata.category(c) != "Mn")).strip()


@dataclass
class GoldDoc:
    facts: list[dict[str, Any]] = field(default_factory=list)
    passes: list[list[str]] = field(default_factory=list)
    fails: list[list[str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    scope_end: str | None = None


def parse_gold(paths: Iterable[Path]) -> dict[str, GoldDoc]:
    docs: dict[str, GoldDoc] = {}
    for path in paths:
        doc: GoldDoc | None = None
        pending_scope: str | None = None
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            scope = _SCOPE.match(line)
            if scope:   # before its document's "==" line, or inside its section
                if doc is None:
                    pending_scope = scope.group(1)
                else:
                    doc.scope_end = scope.group(1)
            if not line or line.startswith("#"):
                continue
            if line.startswith("=="):
                doc = docs.setdefault(line[2:].strip(), GoldDoc())
                doc.scope_end = doc.scope_end or pending_scope
                pending_scope = None
                continue
            if doc is None:
                continue
            label = None
            if " | " in line:
                line, label = (x.strip() for x in line.split(" | ", 1))
            optional = line.startswith("?")
            line = line.lstrip("?")
            word, _, rest = line.partition(" ")
            if word == "pass":
                doc.passes.append(rest.split())
            elif word == "fail":
                doc.fails.append(rest.split())
            elif word == "meta":
                key, _, value = rest.partition(" ")
                doc.meta[key] = value
            else:
                kinds = {ALIAS.get(k, k) for k in word.split("|")}
                val, _, den = rest.partition("/") if not _DATE.match(rest) else (rest, "", "")
                doc.facts.append({"kinds": kinds, "value": val, "den": den or None,
                                  "optional": optional, "label": label})
    return docs


def gold_files(path: Path) -> list[Path]:
    return sorted(path.glob("*.txt")) if path.is_dir() else [path]


def _num(x: Any) -> float | None:
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def _same_value(gold: Any, pred: Any) -> bool:
    g, p = _num(gold), _num(pred)
    if g is not None and p is not None:
        return math.isclose(g, p, abs_tol=1e-6)
    return str(gold).strip() == str(pred).strip()[:10]


def _fact_matches(g: dict[str, Any], p: dict[str, Any]) -> bool:
    if p.get("kind") not in g["kinds"] or not _same_value(g["value"], p.get("value")):
        return False
    return g["den"] is None or _same_value(g["den"], p.get("denominator"))


def _label_ok(g: dict[str, Any], p: dict[str, Any]) -> bool:
    text = fold(" ".join(str(p.get(k) or "") for k in ("label", "indicator", "indicator_name", "subject")))
    return all(w in text for w in fold(g["label"]).split())


def _values_of(p: dict[str, Any]) -> set[str]:
    n = _num(p.get("value"))
    return {str(p.get("value"))} | ({str(n)} if n is not None else set())


def _check_involves(check: dict[str, Any], by_id: dict[str, dict[str, Any]], wanted: list[str]) -> bool:
    vals: set[str] = set()
    for fid in check.get("facts") or []:
        vals |= _values_of(by_id.get(fid, {}))
    blob = json.dumps(check, ensure_ascii=False)
    for w in wanted:
        if str(_num(w)) in vals or w in vals:
            continue
        if _DATE.match(w):
            y, m, d = w.split("-")
            if w in blob or f"{int(d)}/{int(m)}/{y}" in blob:
                continue
        return False
    return True


@dataclass
class DocRow:
    required: int = 0
    hit: int = 0
    opt_hit: int = 0
    pred: int = 0
    labelled: int = 0
    label_hit: int = 0
    labelled_table: int = 0
    label_hit_table: int = 0
    pass_want: int = 0
    pass_hit: int = 0
    fail_want: int = 0
    fail_hit: int = 0
    facts_total: int = 0
    bad_spans: int = 0
    meta_want: int = 0
    meta_hit: int = 0
    missed: list[str] = field(default_factory=list)
    false_pos: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)
    missed_relations: list[str] = field(default_factory=list)
    wrong_labels: list[str] = field(default_factory=list)
    missed_meta: list[str] = field(default_factory=list)
    found_by: list[tuple[str, str, str]] = field(default_factory=list)   # (pass|fail, rule, evidence)


def _in_scope(out: dict[str, Any], gold: GoldDoc) -> dict[str, Any]:
    if not gold.scope_end:
        return out
    text = out.get("text") or ""
    end = text.find(gold.scope_end)
    if end < 0:
        return out
    facts = [f for f in out.get("facts") or [] if (f.get("span") or [0])[0] < end]
    keep = {f.get("id") for f in facts}
    checks = [c for c in out.get("checks") or [] if set(c.get("facts") or []) <= keep]
    return {**out, "facts": facts, "checks": checks}


def score_doc(gold: GoldDoc, out: dict[str, Any]) -> DocRow:
    out = _in_scope(out, gold)
    facts = out.get("facts") or []
    text = out.get("text") or ""
    by_id = {f.get("id"): f for f in facts}
    preds = [f for f in facts if f.get("kind") in KINDS]
    used: set[int] = set()
    row = DocRow(pred=len(preds))
    for g in sorted(gold.facts, key=lambda g: g["optional"]):
        row.required += not g["optional"]
        cands = [i for i, p in enumerate(preds) if i not in used and _fact_matches(g, p)]
        if g["label"]:
            cands.sort(key=lambda i: not _label_ok(g, preds[i]))
        shown = f"{'|'.join(sorted(g['kinds']))} {g['value']}" + (f"/{g['den']}" if g["den"] else "")
        if not cands:
            if not g["optional"]:
                row.missed.append(shown)
            continue
        used.add(cands[0])
        if g["optional"]:
            row.opt_hit += 1
        else:
            row.hit += 1
        if g["label"] and not g["optional"]:
            p = preds[cands[0]]
            ok = _label_ok(g, p)
            in_table = bool((p.get("location") or {}).get("cell"))
            row.labelled += 1
            row.label_hit += ok
            row.labelled_table += in_table
            row.label_hit_table += ok and in_table
            if not ok:
                row.wrong_labels.append(f"{shown}: got {p.get('label')!r} want {g['label']!r}")
    row.false_pos = [f"{p.get('kind')} {p.get('value')}"
                     + (f"/{p.get('denominator')}" if p.get("denominator") is not None else "")
                     + f" «{p.get('text')}»" for i, p in enumerate(preds) if i not in used]
    checks = out.get("checks") or []
    row.pass_want = len(gold.passes)
    for w in gold.passes:
        hit = next((c for c in checks if c.get("status") == "pass" and _check_involves(c, by_id, w)), None)
        if hit is not None:
            row.pass_hit += 1
            row.found_by.append(("pass", hit.get("rule") or "?", _evidence(hit)))
        else:
            row.missed_relations.append("pass " + " ".join(w))
    row.fail_want = len(gold.fails)
    fails = [c for c in checks if c.get("status") == "fail"]
    for w in gold.fails:
        hit = next((c for c in fails if _check_involves(c, by_id, w)), None)
        if hit is not None:
            row.fail_hit += 1
            row.found_by.append(("fail", hit.get("rule") or "?", _evidence(hit)))
        else:
            row.missed_relations.append("fail " + " ".join(w))
    row.false_alarms = [c.get("explanation") or c.get("message") or c.get("rule") for c in fails
                        if not any(_check_involves(c, by_id, w[:1]) for w in gold.fails)]
    for f in facts:
        span = f.get("span") or [None, None]
        s, e = (span.get("start"), span.get("end")) if isinstance(span, dict) else (list(span) + [None, None])[:2]
        if not (isinstance(s, int) and isinstance(e, int) and text[s:e] == f.get("text")):
            row.bad_spans += 1
    row.facts_total = len(facts)
    meta = out.get("meta") or {}
    row.meta_want = len(gold.meta)
    for k, v in gold.meta.items():
        if fold(v) in fold(meta.get(k) or ""):
            row.meta_hit += 1
        else:
            row.missed_meta.append(f"{k}: got {meta.get(k)!r} want {v!r}")
    return row


def _evidence(check: dict[str, Any]) -> str:
    """The strongest kind of evidence a check carries (table, siblings, partition, cue,
    structure, coincidence), or "cue rule" for the checks of extractor/checks.py."""
    kinds = [e.get("kind") for e in check.get("evidence") or []]
    for kind in ("table", "siblings", "partition", "structure", "coincidence", "cue"):
        if kind in kinds:
            detail = next(e.get("detail", "") for e in check["evidence"] if e.get("kind") == kind)
            return "cue rule" if kind == "cue" and detail.startswith("cue rule") else kind
    return "none"


def relations_by(rows: dict[str, DocRow]) -> str:
    """Gold relations found, by the rule and by the evidence of the check that found them."""
    from collections import Counter

    rules = Counter((status, rule) for r in rows.values() for status, rule, _ in r.found_by)
    kinds = Counter((status, kind) for r in rows.values() for status, _, kind in r.found_by)
    lines = ["relations found, by rule:    " + ", ".join(f"{s} {k} {n}" for (s, k), n in sorted(rules.items())),
             "relations found, by evidence: " + ", ".join(f"{s} {k} {n}" for (s, k), n in sorted(kinds.items()))]
    return "\n".join(lines)


def summary(rows: dict[str, DocRow]) -> dict[str, Any]:
    """The figures of score.py's last line, plus labels in tables and in text."""
    tot = {k: sum(getattr(r, k) for r in rows.values()) for k in
           ("required", "hit", "opt_hit", "pred", "labelled", "label_hit", "labelled_table",
            "label_hit_table", "pass_want", "pass_hit", "fail_want", "fail_hit", "facts_total",
            "bad_spans", "meta_want", "meta_hit")}
    docs = [r for r in rows.values() if r.required]
    macro_r = sum(r.hit / r.required for r in docs) / max(len(docs), 1)
    macro_p = sum((r.hit + r.opt_hit) / r.pred if r.pred else 0.0 for r in docs) / max(len(docs), 1)
    text_labelled = tot["labelled"] - tot["labelled_table"]
    return {
        "recall": round(macro_r, 3), "precision": round(macro_p, 3),
        "micro_recall": round(tot["hit"] / max(tot["required"], 1), 3),
        "micro_precision": round((tot["hit"] + tot["opt_hit"]) / max(tot["pred"], 1), 3),
        "label_acc": round(tot["label_hit"] / max(tot["labelled"], 1), 3),
        "checks_pass": f"{tot['pass_hit']}/{tot['pass_want']}",
        "checks_fail": f"{tot['fail_hit']}/{tot['fail_want']}",
        "false_alarms": sum(len(r.false_alarms) for r in rows.values()),
        "provenance": round(1 - tot["bad_spans"] / max(tot["facts_total"], 1), 3) if tot["facts_total"] else 0.0,
        "meta": f"{tot['meta_hit']}/{tot['meta_want']}",
        "label_acc_table": round(tot["label_hit_table"] / max(tot["labelled_table"], 1), 3),
        "label_acc_text": round((tot["label_hit"] - tot["label_hit_table"]) / max(text_labelled, 1), 3),
    }


def find_document(doc_id: str, folders: Iterable[Path]) -> Path | None:
    for folder in folders:
        for path in sorted(folder.glob(f"{glob_escape(doc_id)}.*")):
            if path.is_file() and path.name[len(doc_id):].count(".") == 1:
                return path
    return None


def glob_escape(s: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", s)


def evaluate(gold_path: Path, folders: list[Path],
             extract_json: Callable[[Path], dict[str, Any]] | None = None
             ) -> tuple[dict[str, DocRow], list[str]]:
    """Score every gold document found in ``folders``; the ids not found are returned."""
    if extract_json is None:
        from baocao.api import extract

        def extract_json(path: Path) -> dict[str, Any]:
            return json.loads(extract(path).model_dump_json())
    gold = parse_gold(gold_files(gold_path))
    rows: dict[str, DocRow] = {}
    absent: list[str] = []
    for doc_id, g in gold.items():
        path = find_document(doc_id, folders)
        if path is None:
            absent.append(doc_id)
            continue
        rows[doc_id] = score_doc(g, extract_json(path))
    return rows, absent


def render(rows: dict[str, DocRow], details: bool = False) -> str:
    lines: list[str] = []
    for doc, r in rows.items():
        lines.append(f"{doc}: recall {r.hit}/{r.required} pred {r.pred} fp {len(r.false_pos)} "
                     f"label {r.label_hit}/{r.labelled} pass {r.pass_hit}/{r.pass_want} "
                     f"fail {r.fail_hit}/{r.fail_want} alarms {len(r.false_alarms)} "
                     f"badspans {r.bad_spans} meta {r.meta_hit}/{r.meta_want}")
        if details:
            lines += [f"   missed {m}" for m in r.missed]
            lines += [f"   extra  {m}" for m in r.false_pos]
            lines += [f"   label  {m}" for m in r.wrong_labels]
            lines += [f"   rel    {m}" for m in r.missed_relations]
            lines += [f"   alarm  {m}" for m in r.false_alarms]
            lines += [f"   meta   {m}" for m in r.missed_meta]
    lines.append(relations_by(rows))
    lines.append(" ".join(f"{k}={v}" for k, v in summary(rows).items()))
    return "\n".join(lines)


def default_devsets(project: Path) -> list[tuple[Path, list[Path]]]:
    """The development sets kept beside the project, where present: the shared devset, the
    team's gold for ../shared/realdocs, and the team's own extra documents (extra2: added
    after the rules of their time were written, a first look at unseen documents)."""
    shared, dev = project.parent / "shared", project.parent / "devdata"
    candidates = [(shared / "devset" / "gold.txt", [shared / "devset" / "texts"]),
                  (dev / "realdocs" / "gold", [shared / "realdocs"]),
                  (dev / "extra" / "gold", [dev / "extra" / "texts"]),
                  (dev / "extra2" / "gold", [dev / "extra2" / "texts"])]
    return [(g, [f for f in folders if f.is_dir()]) for g, folders in candidates
            if g.exists() and any(f.is_dir() for f in folders)]
