"""The ``baocao`` command: a thin shell over functions that return data.

Every command catches the typed errors of ``parsers.errors`` and prints one line
``error: [CODE] path: message (hint)`` on stderr, exit status 2 — never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from parsers import parse
from parsers.errors import BaocaoError
from schemas.document import Document, Section

EXIT_INPUT_ERROR = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="baocao")
def main() -> None:
    """baocao: sourced, cross-checked figures from Vietnamese administrative reports."""


def _fail(error: BaocaoError) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(EXIT_INPUT_ERROR)


@main.command("parse")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print the Document as JSON")
def parse_cmd(file: Path, as_json: bool) -> None:
    """Read FILE (PDF, DOCX, HTML or text) into one Document with provenance."""
    try:
        doc = parse(file)
    except BaocaoError as e:
        _fail(e)
        return
    if as_json:
        click.echo(doc.model_dump_json(indent=2))
    else:
        click.echo(summarise(doc))


def summarise(doc: Document) -> str:
    """A readable overview: format, blocks by kind, tables, footnotes, outline, warnings."""
    kinds = Counter(b.kind.value for b in doc.blocks)
    lines = [f"{doc.source.path}  [{doc.source.format.value}]  sha256 {doc.source.sha256[:12]}",
             f"{len(doc.text):,} characters" + (f", {doc.source.pages} pages" if doc.source.pages else ""),
             "blocks: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))]
    for b in doc.blocks:
        if b.table is not None:
            lines.append(f"table (block {b.id}): {b.table.n_rows} rows x {b.table.n_cols} cols,"
                         f" {len(b.table.pieces)} piece(s)")
    if doc.footnotes:
        linked = sum(1 for f in doc.footnotes if f.markers)
        lines.append(f"footnotes: {len(doc.footnotes)} ({linked} linked to a marker)")
    lines.append("outline:")
    lines.extend(_outline_lines(doc.sections, 1))
    lines.extend(f"warning: {w}" for w in doc.warnings)
    return "\n".join(lines)


def _outline_lines(sections: list[Section], depth: int) -> list[str]:
    out: list[str] = []
    for s in sections:
        if s.style in ("dash", "plus"):
            continue
        out.append(f"{'  ' * depth}{s.number} {s.title[:70]}")
        out.extend(_outline_lines(s.children, depth + 1))
    return out


@main.command("schema")
@click.argument("which", type=click.Choice(["document", "extraction"]), default="extraction")
def schema_cmd(which: str) -> None:
    """Print the JSON Schema of the Document or of the extraction output."""
    click.echo(json.dumps(json_schema(which), indent=2, ensure_ascii=False))


def json_schema(which: str) -> dict[str, Any]:
    if which == "document":
        return Document.model_json_schema()
    from schemas.extraction import Extraction
    return Extraction.model_json_schema()


@main.command("extract")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="one JSON object (one file)")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="one JSON line per file")
def extract_cmd(files: tuple[Path, ...], as_json: bool, as_jsonl: bool) -> None:
    """Extract sourced facts, metadata and checks from FILES."""
    from baocao.api import extract
    from baocao.render import extraction_table

    if as_json and len(files) > 1:
        raise click.UsageError("--json prints one object: give one file, or use --jsonl")
    failed = False
    for file in files:
        try:
            ex = extract(file)
        except BaocaoError as e:
            failed = True
            if as_jsonl:
                click.echo(json.dumps({"source": {"path": str(file)}, "errors": [e.record()]},
                                      ensure_ascii=False))
            else:
                click.echo(f"error: {e}", err=True)
            continue
        if as_json:
            click.echo(ex.model_dump_json(indent=2))
        elif as_jsonl:
            click.echo(ex.model_dump_json())
        else:
            click.echo(extraction_table(ex))
    if failed:
        sys.exit(EXIT_INPUT_ERROR)


@main.command("check")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--all", "show_all", is_flag=True, help="list passing checks too")
def check_cmd(files: tuple[Path, ...], show_all: bool) -> None:
    """Recompute the arithmetic of FILES; exit 1 when any check fails (for pipelines)."""
    from baocao.api import extract
    from extractor.checks import cross_document_checks

    extractions, failed, unreadable = [], 0, False
    for file in files:
        try:
            ex = extract(file)
        except BaocaoError as e:
            click.echo(f"error: {e}", err=True)
            unreadable = True
            continue
        extractions.append(ex)
        by_id = {f.id: f for f in ex.facts}
        for c in ex.checks:
            if c.status.value == "fail" or show_all:
                where = ", ".join(f"{i} {by_id[i].text!r} @{by_id[i].span[0]}" for i in c.facts)
                click.echo(f"{file}: {c.status.value} {c.rule}: {c.explanation}  [{where}]")
            failed += c.status.value == "fail"
    for c in cross_document_checks(extractions):
        click.echo(f"{c.status.value} {c.rule}: {c.explanation}")
        failed += 1
    click.echo(f"{sum(len(e.checks) for e in extractions)} checks, {failed} failed", err=True)
    if unreadable:
        sys.exit(EXIT_INPUT_ERROR)
    if failed:
        sys.exit(1)


@main.command("eval")
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("corpus"), show_default=True)
@click.option("--only", default="", help="only documents whose file name contains this")
@click.option("--details", is_flag=True, help="list missed, spurious and mislabelled facts")
def eval_cmd(corpus: Path, only: str, details: bool) -> None:
    """Precision, recall and F1 per kind and for labels against corpus/gold."""
    from extractor.evaluate import (
        evaluate_corpus,
        evaluate_relations,
        relations_table,
        render_details,
    )

    table, scores = evaluate_corpus(corpus, only)
    click.echo("facts and labels:")
    click.echo(table.to_string())
    relations = evaluate_relations(corpus, only)
    click.echo("\nrelations (checks) against corpus/gold/*.relations.yaml:")
    click.echo(relations_table(relations).to_string())
    if details:
        click.echo(render_details(scores))
        for name, rel in relations:
            for line in [*(f"  missed relation  {m}" for m in rel.missed),
                         *(f"  wrong status     {m}" for m in rel.wrong_status),
                         *(f"  false alarm      {m}" for m in rel.false_alarms)]:
                click.echo(f"{name}{line}")


@main.command("run")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def run_cmd(folder: Path) -> None:
    """The main job on a folder: extract and check every report, then a summary."""
    from baocao.render import run_folder

    click.echo(run_folder(folder))


if __name__ == "__main__":  # pragma: no cover
    main()
