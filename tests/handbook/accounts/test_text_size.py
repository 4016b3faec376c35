"""The reading size: three sizes (thường, lớn, rất lớn) chosen in the header of every page,
kept on the account (every device shows it), and carried over from the two-size switch."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handbook.accounts.models import TextSize, User
from handbook.core import db
from handbook.core import db as hdb
from tests.conftest import login
from tests.helpers import response_text


def _html_tag(page: str) -> str:
    return page[page.index("<html") : page.index(">", page.index("<html")) + 1]


@pytest.mark.parametrize(
    ("size", "html"),
    [
        ("normal", '<html lang="vi">'),
        ("large", '<html lang="vi" class="text-large">'),
        ("xlarge", '<html lang="vi" class="text-xlarge">'),
    ],
)
def test_each_size_is_kept_and_drawn_on_every_device(app, client, tree, size, html) -> None:
    login(client, tree.member_b1)
    answer = client.post("/account/text-size", data={"size": size, "next": "/account"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/account"
    other_device = app.test_client()
    login(other_device, tree.member_b1)
    for path in ("/", "/account", "/notifications", "/search"):
        page = response_text(other_device.get(path))
        assert _html_tag(page) == html, path
        assert f'value="{size}" aria-label' in page  # the header's control says which is on
        assert page.count('aria-pressed="true"') == (2 if path == "/account" else 1)


def test_the_header_offers_three_sizes_by_name(client, tree) -> None:
    login(client, tree.member_b1)
    page = response_text(client.get("/"))
    for label in ("Cỡ chữ thường", "Cỡ chữ lớn", "Cỡ chữ rất lớn"):
        assert f'aria-label="{label}"' in page
    assert 'class="text-' not in _html_tag(page)


def test_the_script_gets_the_stored_size_back_without_a_page(client, tree) -> None:
    login(client, tree.member_b1)
    answer = client.post(
        "/account/text-size", data={"size": "xlarge"}, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 200 and answer.get_json() == {"size": "xlarge"}
    db.session.expire_all()
    assert db.session.get(User, tree.member_b1.id).text_size is TextSize.XLARGE


def test_an_unknown_size_is_refused_and_none_named_moves_to_the_next(client, tree) -> None:
    login(client, tree.member_b1)
    assert client.post("/account/text-size", data={"size": "huge"}).status_code == 400
    sizes = []
    for _ in range(4):  # the old switch's form, which names no size: round the three
        client.post("/account/text-size", data={"next": "/"})
        db.session.expire_all()
        sizes.append(db.session.get(User, tree.member_b1.id).text_size.value)
    assert sizes == ["large", "xlarge", "normal", "large"]


def test_a_next_elsewhere_is_not_followed(client, tree) -> None:
    login(client, tree.member_b1)
    answer = client.post("/account/text-size", data={"size": "large", "next": "//evil.example"})
    assert answer.headers["Location"] == "/"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
@pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning")
@pytest.mark.filterwarnings("ignore:.*expression-based index:sqlalchemy.exc.SAWarning")
def test_the_migration_keeps_each_members_choice_both_ways(database_url: str) -> None:
    hdb.downgrade(database_url, "0011")
    engine = hdb.make_engine(database_url)
    insert = sa.text(
        "INSERT INTO users (id, phone, full_name, password_hash, must_change_password, active,"
        " is_admin, session_version, large_text, created_at)"
        " VALUES (:id, :phone, 'Thử', 'x', false, true, false, 1, :large, CURRENT_TIMESTAMP)"
    )
    with engine.begin() as conn:
        conn.execute(insert, [
            {"id": 901, "phone": "0900000901", "large": True},
            {"id": 902, "phone": "0900000902", "large": False},
        ])  # fmt: skip
    hdb.upgrade(database_url)
    read = sa.text("SELECT id, text_size FROM users WHERE id > 900 ORDER BY id")
    with engine.connect() as conn:
        assert conn.execute(read).all() == [(901, "large"), (902, "normal")]
        conn.execute(sa.text("UPDATE users SET text_size = 'xlarge' WHERE id = 902"))
        conn.commit()
    hdb.downgrade(database_url, "0011")
    with engine.connect() as conn:
        back = conn.execute(sa.text("SELECT id, large_text FROM users WHERE id > 900 ORDER BY id"))
        assert [(i, bool(large)) for i, large in back] == [(901, True), (902, True)]
        # The expression index on lower(username) survives (a batch copy would drop it).
        catalog = {
            "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index'",
            "postgresql": "SELECT indexname FROM pg_indexes",
        }[engine.dialect.name]
        assert "uq_users_username_lower" in set(conn.execute(sa.text(catalog)).scalars())
    hdb.upgrade(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM users WHERE id > 900"))
    engine.dispose()
