"""Installing baocao puts one name into site-packages: the folders of the design (parsers/,
schemas/, extractor/, store/, review/) install as ``baocao.parsers`` ... through the links in
baocao/, so no other distribution's ``parsers`` or ``store`` is shadowed or shadows ours."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

DESIGN = ("parsers", "schemas", "extractor", "store", "review")


def test_the_wheel_holds_only_the_baocao_namespace(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                    str(ROOT)], check=True, capture_output=True, text=True, timeout=600)
    wheel = next(tmp_path.glob("baocao-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"baocao"}
    for folder in DESIGN:
        assert f"baocao/{folder}/__init__.py" in names
    # package data travels with its package
    assert "baocao/extractor/data/cues.yaml" in names
    frameworks = sorted((ROOT / "extractor/data/frameworks").glob("*.yaml"))
    assert frameworks
    for path in frameworks:
        assert f"baocao/extractor/data/frameworks/{path.name}" in names
    assert "baocao/store/migrations/env.py" in names
    assert any(n.startswith("baocao/review/templates/") for n in names)
    for path in sorted((ROOT / "review/data").iterdir()):   # vocabulary, places, passwords
        if path.suffix in (".yaml", ".txt"):
            assert f"baocao/review/data/{path.name}" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_outside_the_repository_only_baocao_is_importable(tmp_path: Path) -> None:
    code = ("import importlib.util, baocao.parsers, baocao.store.db\n"
            f"print([n for n in {DESIGN!r} if importlib.util.find_spec(n)])")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True, timeout=120)
    assert run.stdout.strip() == "[]"
