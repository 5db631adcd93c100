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

from baocao.parsers import parse
from baocao.parsers.errors import BaocaoError
from baocao.schemas.document import Document, Section

EXIT_OK = 0
EXIT_SOME_UNREADABLE = 1   # ingest/run: some files could not be read (listed, recorded); check: a fail
EXIT_INPUT_ERROR = 2       # usage, an input or database that does not exist, nothing readable
EXIT_INTERRUPTED = 130     # Ctrl-C (128 + SIGINT), as shells report it


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="baocao", prog_name="baocao")
def main() -> None:
    """baocao: sourced, cross-checked figures from Vietnamese administrative reports."""


def echo_json(rows: list[Any], *, lines: bool) -> None:
    """The CLI's one JSON convention: ``--json`` prints one JSON document (an object, or an
    array for a list), ``--jsonl`` one JSON object a line."""
    if lines:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False, default=str))
    else:
        click.echo(json.dumps(rows, ensure_ascii=False, default=str, indent=2))


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
@click.argument("which", type=click.Choice(["document", "extraction", "export"]),
                default="extraction")
def schema_cmd(which: str) -> None:
    """Print the JSON Schema of the Document, the extraction output or an exported fact."""
    click.echo(json.dumps(json_schema(which), indent=2, ensure_ascii=False))


def json_schema(which: str) -> dict[str, Any]:
    if which == "document":
        return Document.model_json_schema()
    if which == "export":
        from baocao.store.export import ExportedFact
        return ExportedFact.model_json_schema()
    from baocao.schemas.extraction import Extraction
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
    """Recompute the arithmetic of FILES; exit 1 when a check of a document fails.

    \b
    Exit status:
      0  no check failed (differences between documents are listed, not counted)
      1  a check of a document failed
      2  usage error, or a file could not be read
    """
    from baocao.api import extract
    from baocao.extractor.checks import cross_document_checks
    from baocao.render import fold_line

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
                click.echo(fold_line(f"{file}: {c.status.value} {c.rule}: {c.explanation}"
                                     f"  [{where}]"))
            failed += c.status.value == "fail"
    across = 0
    for c in cross_document_checks(extractions):
        # advice for a reviewer, not an arithmetic error of a document: two reports may give
        # one indicator different values (another period, a correction), so these never turn
        # the exit status red
        click.echo(fold_line(f"{c.status.value} {c.rule}: {c.explanation}"))
        across += c.status.value == "fail"
    click.echo(f"{sum(len(e.checks) for e in extractions)} checks, {failed} failed"
               + (f"; {across} across documents, not counted" if across else ""), err=True)
    if unreadable:
        sys.exit(EXIT_INPUT_ERROR)
    if failed:
        sys.exit(1)


@main.command("eval")
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("corpus"), show_default=True)
@click.option("--only", default="", help="only documents whose file name contains this")
@click.option("--details", is_flag=True, help="list missed, spurious and mislabelled facts")
@click.option("--dev", "dev", is_flag=True,
              help="score the development sets found beside the project instead "
                   "(../shared/devset, ../devdata/realdocs, ../devdata/extra, ../devdata/extra2)")
@click.option("--devset", type=click.Path(exists=True, path_type=Path), default=None,
              metavar="GOLD", help="score one development set: a gold file or folder of them")
@click.option("--docs", type=click.Path(exists=True, file_okay=False, path_type=Path),
              multiple=True, help="folder holding the --devset documents (repeatable)")
def eval_cmd(corpus: Path, only: str, details: bool, dev: bool, devset: Path | None,
             docs: tuple[Path, ...]) -> None:
    """Precision, recall and F1 per kind and for labels against corpus/gold; with --dev or
    --devset, the development sets of real documents, scored as ../shared/devset/score.py does."""
    if dev or devset is not None:
        from baocao.extractor.devset import default_devsets, evaluate, render

        sets = [(devset, list(docs))] if devset is not None else default_devsets(Path.cwd())
        if not sets:
            raise click.UsageError("no development set found beside the project")
        for gold, folders in sets:
            rows, absent = evaluate(gold, folders)
            click.echo(f"== {gold}")
            click.echo(render({k: v for k, v in rows.items() if only in k}, details))
            for doc_id in absent:
                click.echo(f"   (document {doc_id} not found in {', '.join(map(str, folders))})")
        return
    from baocao.extractor.evaluate import (
        evaluate_corpus,
        evaluate_relations,
        relations_by,
        relations_table,
        render_details,
    )

    table, scores = evaluate_corpus(corpus, only)
    click.echo("facts and labels:")
    click.echo(table.to_string())
    relations = evaluate_relations(corpus, only)
    click.echo("\nrelations (checks) against corpus/gold/*.relations.yaml:")
    click.echo(relations_table(relations).to_string())
    click.echo(relations_by(relations))
    if details:
        click.echo(render_details(scores))
        for name, rel in relations:
            for line in [*(f"  missed relation  {m}" for m in rel.missed),
                         *(f"  wrong status     {m}" for m in rel.wrong_status),
                         *(f"  false alarm      {m}" for m in rel.false_alarms)]:
                click.echo(f"{name}{line}")


DB_OPTION = click.option("--db", default=None, metavar="URL",
                         help="database URL or SQLite file [default: $BAOCAO_DB, else baocao.db]")


SELECT_OPTIONS = [
    click.option("--include", multiple=True, metavar="PATTERN",
                 help="ingest only files matching a pattern: '*.pdf', '2024/**', "
                      "'*.zip!*.docx' (repeatable)"),
    click.option("--exclude", multiple=True, metavar="PATTERN",
                 help="leave out files matching a pattern: '*.md', 'drafts/**' (repeatable)"),
    click.option("--reprocess", is_flag=True,
                 help="read every file again, although this extractor version stored it; the "
                      "new extraction is stored beside the old one and becomes current"),
]


def select_options(f: Any) -> Any:
    for option in reversed(SELECT_OPTIONS):
        f = option(f)
    return f


@main.command("run")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@DB_OPTION
@click.option("--workers", type=int, default=None, help="worker processes [default: cores]")
@select_options
def run_cmd(folder: Path, db: str | None, workers: int | None, include: tuple[str, ...],
            exclude: tuple[str, ...], reprocess: bool) -> None:
    """The main job on a folder: ingest every report into the database, then a summary.

    Exit status as `baocao ingest`."""
    _ingest_and_report([str(folder)], db=db, workers=workers, quiet=False, engine="local",
                       scheduler=None, output="db", timeout=None, include=include,
                       exclude=exclude, reprocess=reprocess)


@main.command("ingest")
@click.argument("inputs", nargs=-1, required=True)
@DB_OPTION
@click.option("--workers", type=int, default=None,
              help="worker processes [default: the machine's cores; 0: in this process]")
@click.option("--quiet", is_flag=True, help="no progress bar; print only unreadable files (cron)")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--scheduler", default=None, metavar="tcp://HOST:8786",
              help="Dask scheduler [default: a local Dask cluster of --workers]")
@click.option("--output", default="db", show_default=True, metavar="db|parquet:DIR",
              help="dask engine: the database, or a partitioned Parquet dataset")
@click.option("--timeout", type=float, default=None,
              help="seconds per file before it is recorded as a timeout [default: 120]")
@select_options
def ingest_cmd(inputs: tuple[str, ...], db: str | None, workers: int | None, quiet: bool,
               engine: str, scheduler: str | None, output: str, timeout: float | None,
               include: tuple[str, ...], exclude: tuple[str, ...], reprocess: bool) -> None:
    """Extract and store INPUTS: files, folders, globs and zip archives (idempotent).

    \b
    Exit status:
      0    every file is stored (now or by an earlier run)
      1    some files could not be read: listed here and by `baocao errors`
      2    usage error, an input that names no file, or the database cannot be opened
      130  interrupted (Ctrl-C); what was stored is kept, rerun to go on
    """
    if engine == "local" and output != "db":
        raise click.UsageError("--output parquet:DIR needs --engine dask")
    if output != "db" and not output.startswith("parquet:"):
        raise click.UsageError("--output is db or parquet:DIR")
    if reprocess and (engine != "local" or output != "db"):
        raise click.UsageError("--reprocess works with the local engine into a database; for a "
                               "Parquet dataset, write to a new folder")
    _ingest_and_report(list(inputs), db=db, workers=workers, quiet=quiet, engine=engine,
                       scheduler=scheduler, output=output, timeout=timeout, include=include,
                       exclude=exclude, reprocess=reprocess)


def _ingest_and_report(inputs: list[str], *, db: str | None, workers: int | None, quiet: bool,
                       engine: str, scheduler: str | None, output: str,
                       timeout: float | None, include: tuple[str, ...] = (),
                       exclude: tuple[str, ...] = (), reprocess: bool = False) -> None:
    from baocao.store.db import session_scope
    from baocao.store.ingest import DEFAULT_TIMEOUT, ingest
    from baocao.store.inputs import Selection
    from baocao.store.repository import summary
    from baocao.store.summary import render_summary

    select = Selection(tuple(include), tuple(exclude))
    try:
        if engine == "dask":
            from baocao.store.dask_engine import ingest_dask
            report = ingest_dask(inputs, scheduler=scheduler, output=output, db=db,
                                 workers=workers, quiet=quiet, select=select,
                                 timeout=timeout or DEFAULT_TIMEOUT)
        else:
            report = ingest(inputs, db=db, workers=workers, quiet=quiet,
                            timeout=timeout or DEFAULT_TIMEOUT, select=select,
                            reprocess=reprocess)
        if output != "db":
            totals = {"documents": report.new, "versions": report.new, "facts": report.facts,
                      "checks_failed": dict(report.checks_failed),
                      "errors": dict(Counter(e["code"] for e in report.errors))}
        else:
            with session_scope(db_url(db)) as session:
                totals = summary(session)
    except BaocaoError as e:
        _fail(e)
        return
    except KeyboardInterrupt:
        click.echo("interrupted: every file stored so far is kept; rerun the same command to "
                   "go on", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if not quiet:
        click.echo(render_summary(report, totals))
    else:
        for record in report.errors:
            click.echo(f"error: [{record['code']}] {record['path']}: {record['message']}",
                       err=True)
    for raw in report.missing:
        click.echo(f"error: [BC204] {raw}: no such file, folder or matching glob "
                   "(not ingested, not recorded)", err=True)
    sys.exit(ingest_exit_status(report))


def ingest_exit_status(report: Any) -> int:
    """0 all stored, 1 some files unreadable, 2 an input named nothing (see `ingest --help`)."""
    if report.missing:
        return EXIT_INPUT_ERROR
    return EXIT_SOME_UNREADABLE if report.errors else EXIT_OK


def db_url(db: str | None) -> str:
    from baocao.store.db import resolve_url

    return resolve_url(db)


@main.command("errors")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="one JSON array of the unreadable files")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="one JSON line per unreadable file")
def errors_cmd(db: str | None, as_json: bool, as_jsonl: bool) -> None:
    """List the files ingest could not read, with their error codes."""
    from baocao.store.db import existing, session_scope
    from baocao.store.repository import list_errors
    from baocao.store.summary import render_errors

    try:
        with session_scope(existing(db)) as session:
            rows = list_errors(session)
    except BaocaoError as e:
        _fail(e)
        return
    if as_json or as_jsonl:
        echo_json(rows, lines=as_jsonl)
    else:
        click.echo(render_errors(rows))


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet", "xlsx"]),
              required=True)
@click.option("--out", default="export", show_default=True, metavar="PATH",
              help="folder for facts/checks/documents files (xlsx: a .xlsx file or folder); "
                   "'-' prints the facts (jsonl, csv)")
@click.option("--indicator", multiple=True,
              help="framework indicator id, as `baocao frameworks` lists them (repeatable)")
@click.option("--period", multiple=True, help="a year, or words of the period (repeatable)")
@click.option("--place", multiple=True, help="words of the document's place (repeatable)")
@click.option("--document", multiple=True, metavar="PATTERN",
              help="document path or shell pattern, matched on the path's tail too: "
                   "report.pdf, '2024/*.pdf' (repeatable)")
@click.option("--status", multiple=True,
              type=click.Choice(["extracted", "corrected", "rejected", "confirmed", "added"]),
              help="review status of the fact (repeatable)")
@click.option("--check-status", multiple=True,
              type=click.Choice(["pass", "fail", "unverifiable"]), help="status of the checks")
@DB_OPTION
def export_cmd(fmt: str, out: str, indicator: tuple[str, ...], period: tuple[str, ...],
               place: tuple[str, ...], document: tuple[str, ...], status: tuple[str, ...],
               check_status: tuple[str, ...], db: str | None) -> None:
    """Write facts (corrected values beside extracted ones), checks and documents."""
    from baocao.store.db import existing
    from baocao.store.export import Filters, export_frames, write_frame, write_frames

    known_indicators(indicator)
    filters = Filters(indicator, period, place, status, check_status, document)
    try:
        frames = export_frames(existing(db), filters)
    except BaocaoError as e:
        _fail(e)
        return
    if out == "-":
        if fmt not in ("jsonl", "csv"):
            raise click.UsageError("--out - prints jsonl or csv")
        write_frame(frames["facts"], fmt, sys.stdout)
        return
    for path in write_frames(frames, fmt, Path(out)):
        click.echo(str(path), err=True)
    click.echo(f"{len(frames['facts'])} facts, {len(frames['checks'])} checks, "
               f"{len(frames['documents'])} documents", err=True)


@main.command("frameworks")
@click.option("--json", "as_json", is_flag=True, help="one JSON array of the frameworks")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="one JSON line per framework")
def frameworks_cmd(as_json: bool, as_jsonl: bool) -> None:
    """The indicator frameworks and their indicator ids (what `export --indicator` takes)."""
    from baocao.extractor.catalog import frameworks

    rows: list[dict[str, Any]] = [{"id": fw.id, "name": fw.name, "max": fw.max, "unit": fw.unit,
             "indicators": [{"id": f"{fw.id}.{i.id}", "name": i.name, "max": i.max}
                            for i in fw.indicators]} for fw in frameworks()]
    if as_json or as_jsonl:
        echo_json(rows, lines=as_jsonl)
        return
    for fw in rows:
        click.echo(f"{fw['id']}  {fw['name']}" + (f"  (max {fw['max']:g})" if fw["max"] else ""))
        for ind in fw["indicators"]:
            click.echo(f"  {ind['id']:<44} {ind['name']}"
                       + (f"  (max {ind['max']:g})" if ind["max"] else ""))


def known_indicators(given: tuple[str, ...]) -> None:
    """Refuse an indicator id no framework has, naming the nearest ones (a typo would
    otherwise export nothing, silently)."""
    import difflib

    from baocao.extractor.catalog import frameworks

    ids = [f"{fw.id}.{i.id}" for fw in frameworks() for i in fw.indicators]
    for value in given:
        if value not in ids:
            near = difflib.get_close_matches(value, ids, n=3, cutoff=0.5)
            raise click.BadParameter(f"no indicator {value!r}"
                                     + (f"; did you mean {', '.join(near)}?" if near else "")
                                     + " (`baocao frameworks` lists them)",
                                     param_hint="--indicator")


@main.group("db")
def db_group() -> None:
    """The database: migrations."""


@db_group.command("upgrade")
@DB_OPTION
def db_upgrade_cmd(db: str | None) -> None:
    """Create or migrate the database schema to the latest version."""
    from baocao.store.db import current_revision, display_url, upgrade

    try:
        url = upgrade(db)
    except BaocaoError as e:
        _fail(e)
        return
    click.echo(f"{display_url(url)} at revision {current_revision(url)}")


# ── the review web app ──────────────────────────────────────────────────────────────────

@main.command("review")
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to listen on (keep 127.0.0.1 unless behind an HTTPS proxy)")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--secure-cookies", is_flag=True, envvar="BAOCAO_SECURE_COOKIES",
              help="cookies only over HTTPS: set when a TLS proxy serves the app "
                   "[env BAOCAO_SECURE_COOKIES=1]")
@click.option("--trusted-proxy", is_flag=True, envvar="BAOCAO_TRUSTED_PROXY",
              help="the client address is the last of X-Forwarded-For (only behind a proxy "
                   "that sets it) [env BAOCAO_TRUSTED_PROXY=1]")
def review_cmd(db: str | None, host: str, port: int, secure_cookies: bool,
               trusted_proxy: bool) -> None:
    """Serve the reviewers' web app over the database (migrated first)."""
    import uvicorn

    from baocao.review.app import create_app
    from baocao.store.db import display_url, upgrade

    try:
        url = upgrade(db)
    except BaocaoError as e:
        _fail(e)
        return
    click.echo(f"baocao review: http://{host}:{port}/ over {display_url(url)} (Ctrl-C stops)",
               err=True)
    if not secure_cookies and not _loopback(host):
        click.echo(f"warning: served over plain HTTP on {host}: put it behind TLS and use "
                   "--secure-cookies", err=True)
    uvicorn.run(create_app(url, secure_cookies=secure_cookies, trusted_proxy=trusted_proxy),
                host=host, port=port, log_level="warning")


def _loopback(host: str) -> bool:
    """True for an address only this machine reaches (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host.strip("[]").lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# ── accounts of the review app (logic in baocao.review.accounts) ─────────────────────────────

@main.group("users")
def users_group() -> None:
    """Accounts of the review web app: add, list, disable, enable, reset-password, places,
    sessions, revoke, unlock. Every change is in the audit (actor "cli")."""


def _account_error(e: Exception) -> None:
    click.echo(f"error: {e}", err=True)
    sys.exit(EXIT_INPUT_ERROR)


def _split(values: tuple[str, ...]) -> list[str]:
    return [p.strip() for value in values for p in value.split(",") if p.strip()]


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _match(session: Any, asked: list[str], yes: bool) -> list[str]:
    """The known places ``asked`` names (printed when matched without diacritics or case,
    then confirmed unless ``yes``); AccountError for an unknown or ambiguous one."""
    from baocao.review.accounts import match_places

    matches = match_places(session, asked)
    loose = [m for m in matches if not m.exact]
    for m in loose:
        click.echo(f"place {m.asked!r} is {m.place!r}", err=True)
    if loose and not yes and not click.confirm("Use these places?", default=False, err=True):
        click.echo("nothing changed", err=True)
        sys.exit(EXIT_INPUT_ERROR)
    return sorted({m.place for m in matches})


def _users_do(db: str | None, work: Any) -> Any:
    """Run ``work(session)`` in one transaction of the database; errors → status 2."""
    from baocao.review.auth import AccountError
    from baocao.store.db import existing, session_scope

    try:
        with session_scope(existing(db)) as session:
            return work(session)
    except BaocaoError as e:
        _fail(e)
    except AccountError as e:
        _account_error(e)


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reviewer", "admin"]), required=True)
@click.option("--places", multiple=True, metavar="PLACE",
              help="places a reviewer may review, among the known ones (repeat, or "
                   "comma-separated; diacritics and case may be left out)")
@click.option("--all-places", is_flag=True, help="a reviewer of every place")
@click.option("--yes", is_flag=True, help="accept places matched without diacritics, no prompt")
@click.option("--password-stdin", is_flag=True,
              help="read the password from the first line of standard input")
@DB_OPTION
def users_add_cmd(name: str, role: str, places: tuple[str, ...], all_places: bool, yes: bool,
                  password_stdin: bool, db: str | None) -> None:
    """Create an account; the password is hashed with argon2id, never stored. A reviewer
    needs --places or --all-places; passwords: 12 characters for an admin, 10 for a reviewer,
    not a common one, a sequence or the name."""
    from baocao.review.auth import AccountError, add_user
    from baocao.store.db import session_scope, upgrade

    asked = _split(places)
    if role == "reviewer" and not asked and not all_places:
        _account_error(AccountError("a reviewer needs --places or --all-places"))
    if role == "admin" and (asked or all_places):
        _account_error(AccountError("an admin sees every place: no --places or --all-places"))
    if asked and all_places:
        _account_error(AccountError("--places or --all-places, not both"))
    try:
        url = upgrade(db)
        with session_scope(url) as session:  # places first: no password asked for nothing
            allowed = _match(session, asked, yes) if asked else []
        password = _read_password(password_stdin)
        with session_scope(url) as session:
            add_user(session, name, role, password, allowed, actor="cli",
                     all_places=all_places)
    except BaocaoError as e:
        _fail(e)
        return
    except AccountError as e:
        _account_error(e)
        return
    grant = "every place" if role == "admin" or all_places else ", ".join(allowed)
    click.echo(f"{name}: {role} of {grant}", err=True)


@users_group.command("list")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="one JSON array of the accounts")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="one JSON line per account")
def users_list_cmd(db: str | None, as_json: bool, as_jsonl: bool) -> None:
    """The accounts: name, role, places (or "all places"), active, locked, open sessions."""
    from baocao.review.accounts import list_users

    users = _users_do(db, list_users)
    if as_json or as_jsonl:
        echo_json(users, lines=as_jsonl)
        return
    for u in users:
        places = "all places" if u["all_places"] else ", ".join(u["places"]) or "(no place)"
        state = "active" if u["active"] else "disabled"
        if u["locked_until"]:
            state += f", locked until {u['locked_until'][:16]}Z"
        if u["open_sessions"]:
            state += f", {u['open_sessions']} open session(s)"
        click.echo(f"{u['name']:<20} {u['role']:<9} {state:<10} {places}")


@users_group.command("disable")
@click.argument("name")
@DB_OPTION
def users_disable_cmd(name: str, db: str | None) -> None:
    """Disable an account: it cannot log in, and its open sessions end now."""
    from baocao.review.accounts import set_active

    ended = _users_do(db, lambda s: set_active(s, name, False))
    click.echo(f"{name}: disabled, {ended} session(s) ended", err=True)


@users_group.command("enable")
@click.argument("name")
@DB_OPTION
def users_enable_cmd(name: str, db: str | None) -> None:
    """Enable a disabled account again."""
    from baocao.review.accounts import set_active

    _users_do(db, lambda s: set_active(s, name, True))
    click.echo(f"{name}: enabled", err=True)


@users_group.command("reset-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True,
              help="read the password from the first line of standard input")
@DB_OPTION
def users_reset_password_cmd(name: str, password_stdin: bool, db: str | None) -> None:
    """A new password: the user's sessions end and a lockout is lifted."""
    from baocao.review.accounts import reset_password, user_named

    _users_do(db, lambda s: user_named(s, name))  # the user exists before a password is asked
    password = _read_password(password_stdin)
    ended = _users_do(db, lambda s: reset_password(s, name, password))
    click.echo(f"{name}: password changed, {ended} session(s) ended", err=True)


@users_group.command("places")
@click.argument("name")
@click.option("--set", "replace", multiple=True, metavar="PLACE",
              help="these places only (repeat, or comma-separated)")
@click.option("--add", multiple=True, metavar="PLACE", help="add places")
@click.option("--remove", multiple=True, metavar="PLACE", help="remove places")
@click.option("--all-places", is_flag=True, help="every place")
@click.option("--yes", is_flag=True, help="accept places matched without diacritics, no prompt")
@DB_OPTION
def users_places_cmd(name: str, replace: tuple[str, ...], add: tuple[str, ...],
                     remove: tuple[str, ...], all_places: bool, yes: bool,
                     db: str | None) -> None:
    """Change the places a reviewer may review (known places, as for add)."""
    from baocao.review.accounts import fold, set_places, user_named

    if not (replace or add or remove or all_places):
        _account_error(ValueError("give --set, --add, --remove or --all-places"))

    def work(session: Any) -> dict[str, Any]:
        new = _match(session, _split(replace), yes) if replace else None
        more = _match(session, _split(add), yes)
        # a place to remove is one of the grant's, matched diacritics-insensitively too
        granted = {fold(p): p for p in user_named(session, name).allowed_places or []}
        less = [granted.get(fold(p), p) for p in _split(remove)]
        return set_places(session, name, replace=new, add=more, remove=less,
                          all_places=all_places)

    grant = _users_do(db, work)
    places = "all places" if grant["all_places"] else ", ".join(grant["places"])
    click.echo(f"{name}: {places}", err=True)


@users_group.command("sessions")
@click.argument("name", required=False)
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="one JSON array of the sessions")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="one JSON line per session")
def users_sessions_cmd(name: str | None, db: str | None, as_json: bool, as_jsonl: bool) -> None:
    """Open sessions (of NAME, or everyone's): user, client address, started, last seen,
    expires (UTC)."""
    from baocao.review.accounts import open_sessions

    rows = _users_do(db, lambda s: open_sessions(s, name))
    if as_json or as_jsonl:
        echo_json(rows, lines=as_jsonl)
        return
    if not rows:
        click.echo("no open session", err=True)
    for r in rows:
        click.echo(f"{r['session']}  {r['user']:<16} {r['client'] or '?':<16} "
                   f"started {r['started'][:16]}  seen {r['last_seen'][:16]}  "
                   f"expires {r['expires'][:16]}")


@users_group.command("revoke")
@click.argument("name", required=False)
@click.option("--session", "session_id", metavar="ID",
              help="one session, by the id 'users sessions' prints")
@DB_OPTION
def users_revoke_cmd(name: str | None, session_id: str | None, db: str | None) -> None:
    """End the open sessions of NAME, or one session (--session ID)."""
    from baocao.review.accounts import revoke

    ended = _users_do(db, lambda s: revoke(s, name, session_id))
    click.echo(f"{ended} session(s) ended", err=True)


@users_group.command("unlock")
@click.argument("name")
@DB_OPTION
def users_unlock_cmd(name: str, db: str | None) -> None:
    """Lift the lockout of an account (after too many wrong passwords) now."""
    from baocao.review.accounts import unlock

    was = _users_do(db, lambda s: unlock(s, name))
    click.echo(f"{name}: " + ("unlocked" if was else "was not locked; failures forgotten"),
               err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
