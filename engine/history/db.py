"""Opening a history database: a SQLite file or a database URL, migrated on open.

Every failure a user can cause is one line (XukeError, exit 2): a wrong URL, a database
that cannot be reached, a file that is not a database, a database written by a newer
xuke, a database another audit is writing (SQLite waits `timeout` seconds for the lock;
PostgreSQL the same, through lock_timeout).

Writes take the database's write lock for the whole recording (SQLite `BEGIN IMMEDIATE`,
a PostgreSQL transaction-level advisory lock), so two audits recording into one series at
once are serialised, never interleaved: each compares itself with a complete run.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event, exc

from ..errors import XukeError
from .schema import metadata

MIGRATIONS = Path(__file__).with_name("migrations")
DIALECTS = ("sqlite", "postgresql")
LOCK_TIMEOUT = 5.0  # seconds to wait for another recording to finish
_LOCK_KEY = 0x78756B65  # "xuke": the advisory lock that serialises recordings (PostgreSQL)


def redact(url: str) -> str:
    """The URL without its password, for messages and the report."""
    if "://" not in url:
        return url
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (exc.ArgumentError, ValueError):
        return url.split("://", 1)[0] + "://…"


class History:
    """An open history database. `write()` is a locked, migrated transaction; `read()` a
    migrated connection for queries."""

    def __init__(self, target: str, create: bool = True, timeout: float | None = None):
        self.label = redact(target)
        self.timeout = timeout = LOCK_TIMEOUT if timeout is None else timeout
        self.engine = _engine(target, create, timeout)
        self.dialect = self.engine.dialect.name
        self._migrated = False

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A transaction holding the write lock, on the newest schema; committed when the
        block ends without an exception, rolled back otherwise."""
        with self._errors(), self.engine.connect() as conn:
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(self.timeout * 1000)}ms'")
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
                self._migrate(conn)
                yield conn

    @contextlib.contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A transaction for queries: no write lock, so `xuke history` reads while an audit
        records (it sees the runs committed before). A database that needs migrating is
        migrated first, under the lock."""
        if not self._migrated:
            with self._reading() as conn:
                current = not self._upgrade_needed(conn)
            if not current:
                with self.write():
                    pass
            self._migrated = True
        with self._reading() as conn:
            yield conn

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        with self._errors(), self.engine.connect() as conn:
            conn.info["xuke_read"] = True  # a deferred BEGIN (SQLite), no advisory lock
            with conn.begin():
                yield conn

    def _config(self, conn: sa.Connection):
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        return cfg

    def _upgrade_needed(self, conn: sa.Connection) -> bool:
        """Whether the schema is older than this xuke's (or absent); an error when it is
        newer, or when the tables are not xuke's."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(self._config(conn))
        known = {s.revision for s in script.walk_revisions()}
        heads = MigrationContext.configure(conn).get_current_heads()
        newer = [h for h in heads if h not in known]
        if newer:
            raise XukeError(f"history {self.label}: written by a newer xuke (schema {', '.join(newer)}; this "
                            f"xuke knows up to {script.get_current_head()}): upgrade xuke to use it")  # fmt: skip
        if not heads:
            present = set(sa.inspect(conn).get_table_names()) & set(metadata.tables)
            if present:
                raise XukeError(f"history {self.label}: has tables named like xuke's ({', '.join(sorted(present))}) "
                                "but no xuke schema version: not a xuke history database")  # fmt: skip
        return set(heads) != {script.get_current_head()}

    def _migrate(self, conn: sa.Connection) -> None:
        if self._migrated:
            return
        if self._upgrade_needed(conn):
            from alembic import command

            command.upgrade(self._config(conn), "head")
        self._migrated = True

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except XukeError:
            raise
        except exc.DBAPIError as e:
            raise XukeError(f"history {self.label}: {_why(e, self.dialect)}") from None
        except exc.SQLAlchemyError as e:
            raise XukeError(f"history {self.label}: {_first_line(str(e))}") from None


def _engine(target: str, create: bool, timeout: float) -> sa.Engine:
    label = redact(target)
    if "://" not in target:
        path = Path(target)
        if path.is_dir():
            raise XukeError(f"history {label}: is a directory (give a file name, e.g. {path / 'history.db'})")
        if not create and not path.exists():
            raise XukeError(f"history {label}: no such file (record a run with xuke audit --history {label})")
        if not path.parent.is_dir():
            raise XukeError(f"history {label}: folder {path.parent} does not exist")
        if path.exists() and not os.access(path, os.R_OK):
            raise XukeError(f"history {label}: cannot read the file (permission denied)")
        url = sa.engine.URL.create("sqlite", database=str(path))
    else:
        try:
            url = sa.engine.make_url(target)
        except (exc.ArgumentError, ValueError):  # a port that is no number raises ValueError
            raise XukeError(f"history {label}: not a database URL (expected a SQLite file name or "
                            "postgresql://USER@HOST/DB)") from None  # fmt: skip
        if url.get_backend_name() not in DIALECTS:
            raise XukeError(f"history {label}: unsupported database {url.get_backend_name()!r} "
                            f"(use a SQLite file or a postgresql:// URL)")  # fmt: skip
        if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")  # psycopg 3, xuke[postgres]
    try:
        if url.get_backend_name() == "sqlite":
            engine = sa.create_engine(url, connect_args={"timeout": timeout}, poolclass=sa.pool.NullPool)
            _sqlite_transactions(engine)
        else:
            engine = sa.create_engine(url, poolclass=sa.pool.NullPool,
                                      connect_args={"connect_timeout": max(1, int(timeout))})  # fmt: skip
    except ModuleNotFoundError as e:
        raise XukeError(f"history {label}: the driver {e.name!r} is not installed "
                        "(pip install 'xuke[postgres]')") from None  # fmt: skip
    except exc.NoSuchModuleError:
        raise XukeError(f"history {label}: unknown database driver {url.drivername!r}") from None
    except exc.ArgumentError as e:
        raise XukeError(f"history {label}: {_first_line(str(e))}") from None
    return engine


def _sqlite_transactions(engine: sa.Engine) -> None:
    """SQLite: transactions begun by SQLAlchemy, as BEGIN IMMEDIATE (the write lock at
    once, so a second writer waits or fails at the start, never half-way), foreign keys on."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # the driver's own BEGIN is deferred
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN" if conn.info.get("xuke_read") else "BEGIN IMMEDIATE")


def _why(e: exc.DBAPIError, dialect: str) -> str:
    text = _first_line(str(e.orig) if e.orig is not None else str(e))
    low = text.lower()
    if dialect == "sqlite":
        if "locked" in low or "busy" in low:
            return "locked by another program (another audit recording?); try again when it has finished"
        if "not a database" in low or "malformed" in low:
            return "not a SQLite database (or a damaged one)"
        if "readonly" in low or "read-only" in low:
            return "cannot write: the file or its folder is read-only"
        if "unable to open" in low:
            return "cannot open the file"
    elif "lock timeout" in low or "canceling statement due to lock timeout" in low:
        return "locked by another audit recording into it; try again when it has finished"
    elif isinstance(e, exc.OperationalError) and e.connection_invalidated is False and "connect" in low:
        return f"cannot connect: {text}"
    return text


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0].strip()
