"""Alembic environment: the URL is handed over by handbook.core.db, never read from alembic.ini."""

from alembic import context

import handbook.domains  # noqa: F401 - every model, for a complete metadata
from handbook.core.db import Base, include_object, make_engine
from handbook.core.timeutil import UTCDateTime

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: object, _context: object) -> str | bool:
    """Write our Python-side column types as the plain SQL types they store."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    url = config.attributes.get("database_url")
    if url is None:
        raise SystemExit("No database URL: run migrations through `python -m handbook db upgrade`.")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_item,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run them against a database.")
run_migrations()
