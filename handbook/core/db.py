"""Engine and session lifecycle, and the Alembic migrations behind ``handbook db upgrade``.

One session per app context (a request, a job), bound to the engine of the app that is current,
so several apps (tests, a worker) can live in one process without sharing a connection pool.
"""

from __future__ import annotations

import enum
import logging
import re
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app
from flask.globals import app_ctx

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = ROOT / "migrations"

#: Stable constraint names, so Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def enum_column(enum_cls: type[enum.StrEnum]) -> sa.Enum:
    """Store a string enum by value in a plain VARCHAR (no native type to migrate on PostgreSQL)."""
    return sa.Enum(
        enum_cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
    )


logger = logging.getLogger(__name__)

#: Where ``core.aftercommit`` keeps what waits for the session's next commit.
AFTER_COMMIT = "handbook.after_commit"


class _AppBoundSession(so.Session):
    """A session that talks to the engine of whichever app is current, and runs what waits for
    its commit (``core.aftercommit``) once the commit is over."""

    def get_bind(self, *args: Any, **kwargs: Any) -> sa.Engine:  # type: ignore[override]
        return current_app.extensions["handbook.engine"]

    def commit(self) -> None:
        super().commit()
        # Here, not in SQLAlchemy's after_commit event, where no SQL may run: a job run inline
        # (tests, Huey's immediate mode) queries and commits on its own.
        for action, args, kwargs in self.info.pop(AFTER_COMMIT, []):
            try:
                action(*args, **kwargs)
            except Exception:  # one failed push must not stop the others, nor the caller
                logger.warning("after-commit action %r failed", action, exc_info=True)


def _app_context_id() -> int:
    """One session per app context: each request and each job gets its own, never shared."""
    return id(app_ctx._get_current_object())  # type: ignore[attr-defined]


session: so.scoped_session[so.Session] = so.scoped_session(
    so.sessionmaker(class_=_AppBoundSession, expire_on_commit=False), scopefunc=_app_context_id
)


#: Search structures that migrations create by hand, per dialect, outside the models.
_HAND_MADE = ("document_pages_fts", "ix_document_pages_search")


def include_object(obj: Any, name: str | None, _type: str, _reflected: bool, _compare: Any) -> bool:
    """For Alembic's comparisons: skip what the models do not describe on purpose."""
    return not (name or "").startswith(_HAND_MADE)


#: SQLite's ``synchronous`` on every connection. In WAL mode NORMAL syncs only at checkpoints,
#: so a power cut can take back the last commits, acknowledged comments included; FULL syncs
#: the WAL at every commit, so what we have acknowledged stays (cost: bench/README-comments.md).
#: Not a setting: ``bench/comments.py --sqlite-synchronous`` changes it only to measure that.
SQLITE_SYNCHRONOUS = "FULL"


def make_engine(url: str) -> sa.Engine:
    """Create an engine with the settings each backend needs to behave under concurrency."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        synchronous = SQLITE_SYNCHRONOUS
        if synchronous not in {"NORMAL", "FULL", "EXTRA"}:
            raise ValueError(f"SQLITE_SYNCHRONOUS: NORMAL, FULL or EXTRA, not {synchronous!r}")

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return sa.create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Any:
    # Imported here: Alembic's machinery loads only when the schema may change (cold start).
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["database_url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``; nothing to load when it is there."""
    if revision == "head" and at_head(url):
        return
    # Imported here: Alembic's machinery loads only when the schema may change (cold start).
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    # Imported here: Alembic's machinery loads only when the schema may change (cold start).
    from alembic import command

    command.downgrade(alembic_config(url), revision)


#: ``revision = "0010"`` and ``down_revision = "0009"`` (or ``None``, or a tuple) in a migration.
_REVISION = re.compile(r"^revision\b[^=\n]*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=\n]*=(.*)$", re.MULTILINE)


def script_heads() -> set[str]:
    """The head revisions of ``migrations/versions``, read from the files' text: asking Alembic
    imports it and every migration, most of a start's work when there is nothing to do. Empty
    when a file does not state its revisions plainly (then Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or down is None:
            return set()
        revisions.add(revision.group(1))
        parents.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1)))
    return revisions - parents


def at_head(url: str) -> bool:
    """Whether the database at ``url`` is already at every head revision (one small query)."""
    heads = script_heads()
    if not heads:
        return False
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = set(
                connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
            )
    except sa.exc.DBAPIError:  # no such table (a new database), or unreachable: Alembic says
        return False
    finally:
        engine.dispose()
    return current == heads


def init_app(app: Flask) -> None:
    app.extensions["handbook.engine"] = make_engine(app.config["DATABASE_URL"])

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        session.remove()

    app.cli.add_command(db_cli)


@click.group("db", help="Database migrations.")
def db_cli() -> None:
    pass


@db_cli.command("upgrade", help="Apply every pending migration.")
@click.argument("revision", default="head")
def _upgrade_cmd(revision: str) -> None:
    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo("Cơ sở dữ liệu đã được cập nhật.")


@db_cli.command("downgrade", help="Step back to an earlier migration.")
@click.argument("revision")
def _downgrade_cmd(revision: str) -> None:
    downgrade(current_app.config["DATABASE_URL"], revision)
