"""``baocao eval``: precision, recall and F1 of the extractor against the gold in ``corpus/gold``.

Gold is written per seed by reading the document (``corpus/GOLD.md``) and applies to every
format rendered from that seed, so the same figures are measured on text, DOCX, PDF and HTML.
Matching is by (kind, value, denominator) as a multiset, pairs taken in document order; a
matched pair's label is right when it shares at least half its syllables with the gold label
(syllable F1 >= 0.5), since a label is a phrase copied from the document and neighbouring words
may legitimately be in or out.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from baocao.datafile import load_yaml
from baocao.schemas.extraction import Extraction

LABEL_THRESHOLD = 0.5
Key = tuple[str, Any, Any]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def scores(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


@dataclass
class DocScore:
    path: str
    by_kind: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    labels: Counts = field(default_factory=Counts)
    missed: list[dict[str, Any]] = field(default_factory=list)
    spurious: list[dict[str, Any]] = field(default_factory=list)
    wrong_labels: list[tuple[str, str | None, str | None]] = field(default_factory=list)


def _value(v: Any) -> Any:
    if isinstance(v, (int, float)):
        return round(float(v), 6)
    return v


def _key(kind: str, value: Any, denominator: Any) -> Key:
    return (kind, _value(value), _value(denominator))


def _syllables(s: str | None) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFC", s or "").lower())


def label_matches(predicted: str | None, gold: str | None) -> bool:
    """Syllable-overlap F1 of the two labels reaches LABEL_THRESHOLD."""
    p, g = _syllables(predicted), _syllables(gold)
    if not p or not g:
        return False
    common = sum(min(p.count(w), g.count(w)) for w in set(p))
    if not common:
        return False
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall) >= LABEL_THRESHOLD


def load_gold(path: Path) -> list[dict[str, Any]]:
    data = load_yaml(path.read_text(encoding="utf-8"))
    return list(data["facts"])


def score_document(extraction: Extraction, gold: list[dict[str, Any]]) -> DocScore:
    result = DocScore(extraction.source.path)
    gold_by: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    pred_by: dict[Key, list[Any]] = defaultdict(list)
    for g in gold:
        gold_by[_key(g["kind"], g["value"], g.get("denominator"))].append(g)
    for f in extraction.facts:
        pred_by[_key(f.kind.value, f.value, f.denominator)].append(f)
    for key in set(gold_by) | set(pred_by):
        gs, ps = gold_by.get(key, []), pred_by.get(key, [])
        counts = result.by_kind[key[0]]
        matched = min(len(gs), len(ps))
        counts.tp += matched
        counts.fn += len(gs) - matched
        counts.fp += len(ps) - matched
        result.missed += gs[matched:]
        result.spurious += [{"kind": f.kind.value, "text": f.text, "value": f.value,
                             "context": extraction.text[max(0, f.span[0] - 40):f.span[1] + 20]}
                            for f in ps[matched:]]
        for g, f in zip(gs, ps):
            if label_matches(f.label, g.get("label")):
                result.labels.tp += 1
            else:
                result.wrong_labels.append((g.get("text", ""), f.label, g.get("label")))
    n_gold, n_pred = len(gold), len(extraction.facts)
    result.labels.fn = n_gold - result.labels.tp
    result.labels.fp = n_pred - result.labels.tp
    return result


def summary_table(scores: list[DocScore]) -> pd.DataFrame:
    """One row per kind plus 'all facts' and 'labels': tp, fp, fn, precision, recall, f1."""
    totals: dict[str, Counts] = defaultdict(Counts)
    labels = Counts()
    for s in scores:
        for kind, c in s.by_kind.items():
            totals[kind].add(c)
            totals["all facts"].add(c)
        labels.add(s.labels)
    totals["labels"] = labels
    rows = [{"measure": k, "tp": c.tp, "fp": c.fp, "fn": c.fn, **c.scores()}
            for k, c in sorted(totals.items(), key=lambda kv: (kv[0] in ("all facts", "labels"), kv[0]))]
    return pd.DataFrame(rows).set_index("measure")


def corpus_files(root: Path) -> list[tuple[Path, Path]]:
    """(document, gold) pairs: every file in corpus/seeds and corpus/docs whose seed has gold."""
    pairs: list[tuple[Path, Path]] = []
    for folder in ("seeds", "docs"):
        for doc in sorted((root / folder).glob("*")):
            gold = root / "gold" / f"{doc.name.split('.')[0]}.yaml"
            if doc.is_file() and gold.exists():
                pairs.append((doc, gold))
    return pairs


def evaluate_corpus(root: Path, only: str = "",
                    extract: Callable[[Path], Extraction] | None = None) -> tuple[pd.DataFrame, list[DocScore]]:
    """Extract every corpus document (whose name contains ``only``) and score it against gold."""
    if extract is None:
        from baocao.api import extract as extract_path
        extract = extract_path
    scores = [score_document(extract(doc), load_gold(gold))
              for doc, gold in corpus_files(root) if only in doc.name]
    return summary_table(scores), scores


def render_details(scores: list[DocScore]) -> str:
    """Per document: what was missed, what was extra, which labels disagree with the gold."""
    lines: list[str] = []
    for s in scores:
        lines.append(f"== {s.path}")
        lines += [f"  missed   {m['kind']:<10} {m['text']:<12} | {m.get('context', '')}" for m in s.missed]
        lines += [f"  spurious {m['kind']:<10} {m['text']:<12} | {m['context']!r}" for m in s.spurious]
        lines += [f"  label    {t:<12} got {got!r}, gold {want!r}" for t, got, want in s.wrong_labels]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- relations

RULE_FAMILIES = {"components": {"sum", "maxima"}, "sum": {"sum"}, "points": {"points"}}
_REF_FIELDS = ("total", "parts", "part", "whole", "stated", "own", "reference", "score",
               "maximum", "lost", "items", "date", "value", "count", "fact", "facts")


@dataclass
class RelationScore:
    gold: int = 0
    found: int = 0
    correct: int = 0
    false_alarms: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    wrong_status: list[str] = field(default_factory=list)
    by_rule: dict[str, int] = field(default_factory=lambda: defaultdict(int))   # found, by the check's rule
    by_evidence: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _refs(relation: dict[str, Any]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for name in _REF_FIELDS:
        value = relation.get(name)
        if isinstance(value, dict) and "text" in value:
            out.append(value)
        elif isinstance(value, list):
            out += [v for v in value if isinstance(v, dict) and "text" in v]
    return out


def _gold_key(ref: dict[str, str], gold: list[dict[str, Any]]) -> Key | None:
    for g in gold:
        if g.get("text") == ref["text"] and g.get("context") == ref.get("context"):
            return _key(g["kind"], g["value"], g.get("denominator"))
    return None


def _overlap(a: list[Key], b: list[Key]) -> int:
    return sum(min(a.count(k), b.count(k)) for k in set(a))


def score_relations(extraction: Extraction, gold: list[dict[str, Any]],
                    relations: list[dict[str, Any]]) -> RelationScore:
    """Gold relations found by a check of a matching rule over (mostly) the same figures."""
    facts = {f.id: _key(f.kind.value, f.value, f.denominator) for f in extraction.facts}
    checks = [(c, [facts[i] for i in c.facts if i in facts]) for c in extraction.checks]
    result = RelationScore(gold=len(relations))
    matched: set[str] = set()
    for rel in relations:
        keys = [k for k in (_gold_key(r, gold) for r in _refs(rel)) if k is not None]
        rules = RULE_FAMILIES.get(rel["rule"], {rel["rule"]})
        if rel["rule"] == "components":
            rules = {"maxima"} if rel.get("measure") == "maximum" else {"sum"}
        hit = next((c for c, ck in checks if c.rule in rules and keys and ck
                    and _overlap(keys, ck) >= 0.6 * max(len(keys), len(ck))), None)
        label = f"{rel['rule']} {rel.get('arithmetic', '')}".strip()
        if hit is None:
            result.missed.append(label)
            continue
        matched.add(hit.id)
        result.found += 1
        result.by_rule[hit.rule] += 1
        kinds = [e.kind for e in hit.evidence]
        result.by_evidence[next((k for k in ("table", "siblings", "partition", "structure", "coincidence",
                                              "cue") if k in kinds), "none")] += 1
        if hit.status.value == rel["status"]:
            result.correct += 1
        else:
            result.wrong_status.append(f"{label}: got {hit.status.value}, gold {rel['status']}")
    fails_gold = {c.id for c, _ in checks if c.id in matched}
    result.false_alarms = [f"{c.rule}: {c.explanation}" for c, _ in checks
                           if c.status.value == "fail" and c.id not in fails_gold] + \
        [w for w in result.wrong_status if "got fail" in w]
    return result


def relations_by(pairs: list[tuple[str, RelationScore]]) -> str:
    """Gold relations found, summed over documents, by the rule and the evidence of the check."""
    rules: dict[str, int] = defaultdict(int)
    kinds: dict[str, int] = defaultdict(int)
    for _, s in pairs:
        for k, n in s.by_rule.items():
            rules[k] += n
        for k, n in s.by_evidence.items():
            kinds[k] += n
    return ("found, by rule:     " + ", ".join(f"{k} {n}" for k, n in sorted(rules.items())) + "\n"
            "found, by evidence: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))


def relations_table(pairs: list[tuple[str, RelationScore]]) -> pd.DataFrame:
    columns = ("gold", "found", "checked correctly", "false alarms")
    counts = {name: (s.gold, s.found, s.correct, len(s.false_alarms)) for name, s in pairs}
    counts["all"] = tuple(sum(c[i] for c in counts.values()) for i in range(4))  # type: ignore[assignment]
    return pd.DataFrame.from_dict(counts, orient="index", columns=list(columns)).rename_axis("document")


def evaluate_relations(root: Path, only: str = "",
                       extract: Callable[[Path], Extraction] | None = None
                       ) -> list[tuple[str, RelationScore]]:
    if extract is None:
        from baocao.api import extract as extract_path
        extract = extract_path
    out: list[tuple[str, RelationScore]] = []
    for doc, gold in corpus_files(root):
        rel_path = gold.with_name(gold.name.replace(".yaml", ".relations.yaml"))
        if only not in doc.name or not rel_path.exists():
            continue
        relations = load_yaml(rel_path.read_text(encoding="utf-8"))["relations"]
        out.append((doc.name, score_relations(extract(doc), load_gold(gold), relations)))
    return out
