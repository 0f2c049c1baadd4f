"""One number that moves whenever the application's data changes: the validator of the page cache (core.page_cache).

Every statement that writes (INSERT, UPDATE, DELETE through any of Django's cursors: the ORM, bulk operations,
`QuerySet.update`, raw SQL) and changes at least one row moves it, whatever the table, except the tables that no
page shows (sessions, login throttling, the stamp itself). Watching the statements rather than model signals means
no write path can forget it.

How it moves keeps it from ever being behind the data a reader can see:
- SQLite: an UPDATE of one row in the writer's own transaction (SQLite has one writer at a time, so this row adds no
  lock and no deadlock), committed or rolled back with the data.
- PostgreSQL: a sequence (`nextval` never waits for another transaction, unlike a row lock that every writer would
  queue on) advanced in the transaction and again once it has committed, so a reader who read the number before
  the commit has it moved under them, never the reverse.
A page rendered from data newer than its stamp is harmless: the stamp has moved past it already.
"""

import functools
import re

from django.db import transaction
from django.db.backends.signals import connection_created

TABLE = "core_changestamp"
SEQUENCE = "core_change_stamp_seq"
# Writes that no cached page shows (the admin is never cached): a login, a session's expiry, throttling records,
# the e-mail outbox's delivery attempts, an API token's last use (a token is checked before any cached answer).
UNWATCHED_TABLES = frozenset(
    {
        TABLE,
        "django_session",
        "axes_accessattempt",
        "axes_accesslog",
        "axes_accessfailurelog",
        "notify_outboxmessage",
        "org_apitoken",
    }
)
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+["`]?(\w+)', re.IGNORECASE)


def written_table(sql: str) -> str | None:
    """The table a statement writes, or None for a read (or anything that is not a plain write)."""
    match = _WRITE.match(sql)
    return match.group(1).lower() if match else None


def current(connection=None) -> int:
    """The stamp as this connection sees it now (one index lookup)."""
    connection = connection or transaction.get_connection()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT last_value + CASE WHEN is_called THEN 0 ELSE -1 END FROM {SEQUENCE}")
        else:
            cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _exists(connection) -> bool:
    """Whether the stamp has been migrated in yet (the migrations before it write too). Remembered once true."""
    if getattr(connection, "_change_stamp_exists", False):
        return True
    raw = connection.connection.cursor()
    try:
        if connection.vendor == "postgresql":
            raw.execute("SELECT to_regclass(%s) IS NOT NULL", [SEQUENCE])
        else:
            raw.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [TABLE])
        exists = bool(raw.fetchone()[0])
    finally:
        raw.close()
    connection._change_stamp_exists = exists
    return exists


def _advance(connection) -> None:
    # A cursor of its own, outside Django's wrappers: the writing cursor may still hold a RETURNING row to fetch.
    raw = connection.connection.cursor()
    try:
        if connection.vendor == "postgresql":
            raw.execute(f"SELECT nextval('{SEQUENCE}')")
        else:
            raw.execute(f"UPDATE {TABLE} SET value = value + 1 WHERE id = 1")
    finally:
        raw.close()


def _advance_after_commit(connection) -> None:
    if not connection.in_atomic_block:
        return  # autocommit: the statement has committed already, and so has the advance
    # One callback per connection (connections belong to one thread), registered once per transaction; a savepoint
    # rolled back takes its registration with it, so the next write registers again.
    callback = getattr(connection, "_change_stamp_after_commit", None)
    if callback is None:
        callback = connection._change_stamp_after_commit = functools.partial(_advance, connection)
    if not any(entry[1] is callback for entry in connection.run_on_commit):
        connection.on_commit(callback, robust=True)


def _changed_rows(sql: str, cursor) -> bool:
    """Whether the statement may have changed a row. An UPDATE or DELETE that matched nothing (a mark-as-read of
    what is read already) changed nothing; an INSERT, or anything with RETURNING (whose row count SQLite reports only
    once the rows are fetched), is taken as a change."""
    if sql.lstrip()[:6].upper() == "INSERT" or "RETURNING" in sql.upper():
        return True
    return getattr(cursor, "rowcount", -1) != 0


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    table = written_table(sql)
    if table is not None and table not in UNWATCHED_TABLES:
        connection = context["connection"]
        if _changed_rows(sql, context["cursor"].cursor) and _exists(connection):
            _advance(connection)
            if connection.vendor == "postgresql":
                _advance_after_commit(connection)
    return result


def _install(sender, connection, **kwargs):
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def install() -> None:
    """Watch every database connection (called from CoreConfig.ready)."""
    connection_created.connect(_install, dispatch_uid="jiedai.core.change_stamp")
