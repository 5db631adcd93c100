"""The development sets of real documents as a quality gate (``baocao eval --dev``).

- ``../shared/devset``: fifteen real texts and their gold (read in place, never copied);
- ``../devdata/realdocs``: the team's gold for the born-digital ``../shared/realdocs`` files;
- ``../devdata/<set>``: any other set the team keeps there (scored by ``baocao eval --dev``).

Each is skipped, with the reason, where it is absent (a fresh clone). Floors live in
``tests/eval_floors.json`` under "devsets" and only move up. The scorer is a port of
``../shared/devset/score.py``; the first test checks that the port and the original agree.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from baocao.extractor.devset import (
    default_devsets,
    evaluate,
    find_document,
    gold_files,
    parse_gold,
    score_doc,
    summary,
)
from tests.conftest import ROOT, extraction_of

SHARED_DEVSET = ROOT.parent / "shared" / "devset"
FLOORS = json.loads((ROOT / "tests/eval_floors.json").read_text(encoding="utf-8"))["devsets"]
SETS = {gold.parent.name: (gold, folders)
        for gold, folders in default_devsets(ROOT)}


def _json(path: Path) -> dict[str, Any]:
    return json.loads(extraction_of(path).model_dump_json())


def _need(name: str) -> tuple[Path, list[Path]]:
    if name not in SETS:
        pytest.skip(f"development set {name!r} is absent here (it lives beside the project, "
                    f"in ../shared or ../devdata, and is never copied into it)")
    return SETS[name]


def test_devset_port_agrees_with_the_original_score_py(tmp_path: Path) -> None:
    gold_path, folders = _need("devset")
    script = SHARED_DEVSET / "score.py"
    rows = {}
    for doc_id, gold in parse_gold(gold_files(gold_path)).items():
        path = find_document(doc_id, folders)
        assert path is not None, doc_id
        out = _json(path)
        (tmp_path / f"{doc_id}.json").write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
        rows[doc_id] = score_doc(gold, out)
    ours = summary(rows)
    run = subprocess.run([sys.executable, str(script), str(gold_path), str(tmp_path), "--json"],
                         capture_output=True, text=True, check=True)
    theirs = json.loads(run.stdout.splitlines()[-2])
    assert {k: ours[k] for k in theirs} == theirs


@pytest.mark.parametrize("name", ["devset", "realdocs"])
def test_devset_floor(name: str) -> None:
    gold, folders = _need(name)
    rows, absent = evaluate(gold, folders, extract_json=_json)
    assert not absent, f"gold documents not found: {absent}"
    got = summary(rows)
    floor = FLOORS[name]
    for key in ("recall", "precision", "label_acc", "label_acc_table", "label_acc_text"):
        assert got[key] >= floor[key], (key, got)
    for key in ("checks_pass", "checks_fail", "meta"):
        hit, want = map(int, got[key].split("/"))
        assert hit >= floor[key], (key, got)
    assert got["false_alarms"] <= floor["false_alarms"], got
    assert got["provenance"] == 1.0, got


def test_devset_scope_limits_a_long_report_to_its_annotated_part(tmp_path: Path) -> None:
    gold = tmp_path / "gold.txt"
    gold.write_text('# scope: start through table 1; ends before the words "Phần hai"\n'
                    "== doc\ncount 12 | hồ sơ\n", encoding="utf-8")
    parsed = parse_gold([gold])["doc"]
    assert parsed.scope_end == "Phần hai"
    text = "Tiếp nhận 12 hồ sơ. Phần hai: 40 hồ sơ."
    out = {"text": text, "facts": [
        {"id": "f1", "kind": "count", "value": 12.0, "label": "hồ sơ", "text": "12", "span": [10, 12]},
        {"id": "f2", "kind": "count", "value": 40.0, "label": "hồ sơ", "text": "40", "span": [29, 31]}]}
    row = score_doc(parsed, out)
    assert (row.hit, row.required, row.pred, row.false_pos) == (1, 1, 1, [])
