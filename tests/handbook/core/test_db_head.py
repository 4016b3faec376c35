"""``db.upgrade`` at every start asks the database its revision first, and loads Alembic only
when there is something to migrate (cold start)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from handbook.core import db as hdb

both_databases = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


@both_databases
def test_the_heads_read_from_the_files_are_alembic_s(database_url: str) -> None:
    script = ScriptDirectory.from_config(hdb.alembic_config(database_url))
    assert hdb.script_heads() == set(script.get_heads())


@both_databases
def test_at_head_only_when_the_database_is_there(database_url: str) -> None:
    assert hdb.at_head(database_url)  # the fixture migrated it
    hdb.downgrade(database_url, "-1")
    assert not hdb.at_head(database_url)
    hdb.upgrade(database_url)
    assert hdb.at_head(database_url)
    engine = hdb.make_engine(database_url)
    with engine.connect() as conn:
        assert set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()) == (
            hdb.script_heads()
        )
    engine.dispose()


def test_a_new_database_is_not_at_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert not hdb.at_head(url)
    hdb.upgrade(url)
    assert hdb.at_head(url)
