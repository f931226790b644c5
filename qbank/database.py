"""The database connection's settings, and the write transaction every write runs in.

Reads run in ordinary transactions and never wait. Every write runs in
``write_transaction()``: on SQLite it begins with ``BEGIN IMMEDIATE``, so it queues for
the one write lock (up to the busy timeout) before it reads what it will change. A
transaction that read first and then tried to write would instead fail at once with
"database is locked" whenever another writer had committed in between, whatever the
timeout. On PostgreSQL rows are locked where the service needs it (see
``services.study.lock_student``), and a lock wait is bounded too.

A write that cannot get its lock in time raises ``DatabaseBusy``; the error handler
answers 503 with ``Retry-After`` and the form the user sent, ready to send again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, has_request_context
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError

from qbank.extensions import db

# SQLite result codes (the low byte of an extended code): SQLITE_BUSY, SQLITE_LOCKED.
_SQLITE_BUSY_CODES = {5, 6}
# PostgreSQL: lock_not_available, serialization_failure, deadlock_detected.
_POSTGRES_BUSY_STATES = {"55P03", "40001", "40P01"}
_WRITING = "qbank_write_transaction"


class DatabaseBusy(RuntimeError):
    """The database stayed locked longer than a request may wait; nothing was written."""


def is_busy(error: BaseException) -> bool:
    """Say whether a database error means "locked, try again" rather than a bug."""
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_BUSY_CODES
    if getattr(original, "sqlstate", None) in _POSTGRES_BUSY_STATES:
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(original)


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the block as one write transaction: commit at its end, roll back on any error.

    Whatever the caller read before is committed first (a read-only transaction), so
    the lock is held only while the block runs; render pages after the block.
    """
    if db.session.info.get(_WRITING):  # already inside one: its commit covers this block
        yield
        return
    db.session.commit()
    db.session.info[_WRITING] = True
    try:
        # The first statement of the new transaction; on SQLite it is BEGIN IMMEDIATE.
        db.session.connection(execution_options={"sqlite_write_lock": True})
        yield
        db.session.commit()
    except BaseException as exc:
        db.session.rollback()
        if is_busy(exc):
            raise DatabaseBusy("The database is busy; nothing was saved.") from exc
        raise
    finally:
        db.session.info.pop(_WRITING, None)


def init_engine(app: Flask) -> None:
    """Tune every new connection for the engine in use."""
    busy_ms = app.config["QBANK_DATABASE_BUSY_TIMEOUT_MS"]
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", lambda conn, _record: _tune_sqlite(conn, busy_ms))
            event.listen(engine, "begin", _begin_sqlite)
        elif engine.dialect.name == "postgresql":
            event.listen(engine, "connect", lambda conn, _record: _tune_postgres(conn, busy_ms))
        if app.config.get("TESTING"):
            event.listen(engine, "before_cursor_execute", _refuse_writes_outside_transaction)


class WriteOutsideTransaction(RuntimeError):
    """A request wrote without ``write_transaction()`` (raised only under TESTING)."""


_WRITE_VERBS = {"INSERT", "UPDATE", "DELETE"}


def _refuse_writes_outside_transaction(
    connection: Any, _cursor: Any, statement: str, *_args: Any
) -> None:
    # The suite's guard that every write path in a request takes its lock first: a
    # write in a plain transaction is the one that fails under load with "locked".
    if not has_request_context() or connection.get_execution_options().get("sqlite_write_lock"):
        return
    if statement.lstrip().split(None, 1)[0].upper() in _WRITE_VERBS:
        raise WriteOutsideTransaction(f"write outside write_transaction(): {statement[:80]}")


def _tune_sqlite(dbapi_connection: Any, busy_ms: int) -> None:
    # WAL lets readers run beside the one writer; the busy timeout makes writers queue
    # for the write lock instead of failing at once.
    # The driver's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN
    # itself instead (see _begin_sqlite), as its documentation recommends.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite(connection: Any) -> None:
    immediate = connection.get_execution_options().get("sqlite_write_lock")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _tune_postgres(dbapi_connection: Any, busy_ms: int) -> None:
    # A row lock that is not granted in time fails with lock_not_available (55P03),
    # which becomes DatabaseBusy: the same bound as SQLite's busy timeout.
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = {int(busy_ms)}")
    dbapi_connection.autocommit = autocommit
