"""The `baocao` command line, through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from baocao.cli import main
from tests.conftest import CORPUS

SEED_004 = str(CORPUS / "seeds/004_1ab22aee8a00dbb0.txt")


def test_cli_extract_json_mission_example() -> None:
    result = CliRunner().invoke(main, ["extract", SEED_004, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    counts = {f["value"] for f in data["facts"] if f["kind"] == "count" and f["unit"] == "hồ sơ"}
    assert {20845.0, 17604.0, 15739.0, 1865.0} <= counts
    assert any(f["kind"] == "percentage" and f["value"] == 89.4 for f in data["facts"])


def test_cli_extract_jsonl_one_line_per_file() -> None:
    files = [SEED_004, str(CORPUS / "seeds/001_422e18ebd3f30e83.txt")]
    result = CliRunner().invoke(main, ["extract", *files, "--jsonl"])
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert [json.loads(line)["source"]["path"] for line in lines] == files


def test_cli_extract_table_shows_source_text() -> None:
    result = CliRunner().invoke(main, ["extract", SEED_004])
    assert result.exit_code == 0
    assert "15.739" in result.output and "Báo cáo" in result.output


def test_cli_parse_summary_lists_outline() -> None:
    result = CliRunner().invoke(main, ["parse", SEED_004])
    assert "II. KẾT QUẢ TÌNH HÌNH" in result.output


def test_cli_parse_json_is_a_document() -> None:
    from baocao.schemas.document import Document

    result = CliRunner().invoke(main, ["parse", SEED_004, "--json"])
    doc = Document.model_validate_json(result.output)
    assert doc.source.format.value == "text"


def test_cli_schema_prints_json_schema() -> None:
    result = CliRunner().invoke(main, ["schema", "extraction"])
    assert json.loads(result.output)["title"] == "Extraction"


def test_cli_run_summarises_a_folder(tmp_path) -> None:  # noqa: ANN001 - pytest fixture
    result = CliRunner().invoke(main, ["run", str(CORPUS / "seeds"), "--db", str(tmp_path / "b.db")])
    assert result.exit_code == 0
    assert "5 files" in result.output
