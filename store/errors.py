"""Typed errors of ingest and storage, in the family of ``parsers.errors``.

    BaocaoError                        code   meaning
    └── StoreError                     BC200
        ├── UnsafeArchiveMemberError   BC201  a zip member whose path escapes the archive
        ├── FileTimeoutError           BC202  a file took longer than the per-file time limit
        ├── WorkerCrashError           BC203  the worker process died on a file (crash, OOM kill)
        ├── InputNotFoundError         BC204  an input path or glob that matches nothing
        ├── DatabaseUnavailableError   BC205  the database URL cannot be opened or migrated
        ├── UnexpectedError            BC206  an exception that is a bug, not a property of the file
        ├── DatabaseNotFoundError      BC207  a read-only command given a database that does not exist
        ├── MissingExtraError          BC208  an optional feature whose packages are not installed
        └── UnsupportedDatabaseError   BC209  a database URL that is neither SQLite nor PostgreSQL

Zip bombs reuse ``parsers.errors.ResourceLimitError`` (BC107), the code the DOCX reader
already gives for the same attack. Every record goes into the ``errors`` table unchanged,
so ``baocao errors`` and the run summary group by the same stable codes as the CLI.
"""

from __future__ import annotations

from baocao.parsers.errors import BaocaoError


class StoreError(BaocaoError):
    code = "BC200"


class UnsafeArchiveMemberError(StoreError):
    code = "BC201"
    hint = "the archive member's path is absolute or climbs out with '..'; it was not read"


class FileTimeoutError(StoreError):
    code = "BC202"
    hint = "raise --timeout, or open the file alone with `baocao extract` to see why it is slow"


class WorkerCrashError(StoreError):
    code = "BC203"
    hint = "the worker process died on this file (out of memory or a crash in a native library)"


class InputNotFoundError(StoreError):
    code = "BC204"
    hint = "check the path; quote globs so the shell does not expand them"


class DatabaseUnavailableError(StoreError):
    code = "BC205"
    hint = "check --db / BAOCAO_DB, and that the database server is running"


class UnexpectedError(StoreError):
    code = "BC206"
    hint = "a bug in baocao, not in the file: please report it with the file attached"


class DatabaseNotFoundError(StoreError):
    code = "BC207"
    hint = ("check --db / BAOCAO_DB; only `baocao ingest`, `baocao run` and `baocao db upgrade` "
            "create a database")


class MissingExtraError(StoreError):
    code = "BC208"
    hint = "install the extra named in the message"


class UnsupportedDatabaseError(StoreError):
    code = "BC209"
    hint = ("give a SQLite file path (or sqlite:///path) or a PostgreSQL URL "
            "(postgresql://user@host/db)")


RETRYABLE_CODES = frozenset({FileTimeoutError.code, WorkerCrashError.code, UnexpectedError.code})
"""Errors that may not happen again (machine load, a bug fixed since): a rerun retries them."""
