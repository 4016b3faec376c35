"""Crafted input answers 400 or 404, never 500: ids no database can hold (in URLs and in socket
payloads), multipart parts without a name, NUL in text, JSON nested past the recursion limit.

Ids are ``INTEGER`` columns: PostgreSQL refuses a value above 2**31 - 1 in a query, SQLite's
driver one above 2**63 - 1, so both databases are exercised where a query could happen.
"""

from __future__ import annotations

import random
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from handbook.core import db
from handbook.core.inputs import MAX_ID, _decimal_up_to
from handbook.documents.models import Document
from tests.conftest import PASSWORD, Tree, login, socket_for
from tests.helpers import meeting_form, published_document

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)

#: Numbers no id column holds: just past PostgreSQL's integer, past SQLite's, past 64 bits,
#: and one too long for int() to read at all.
IMPOSSIBLE = [str(MAX_ID + 1), str(2**63), str(2**64), "0", "0001", "9" * 5000]
INVALID = "Yêu cầu không hợp lệ."


def _int_rules(app: Flask) -> list[tuple[str, str, list[str]]]:
    """Every ``<int:…>`` rule: (method, rule, its int arguments)."""
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:" in rule.rule:
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((method, rule.rule, sorted(rule.arguments)))
    return found


def _path(rule: str, value: str) -> str:
    return re.sub(r"<int:\w+>", value, rule)


@BOTH
def test_every_int_route_answers_404_for_an_id_no_database_holds(
    app: Flask, client: FlaskClient, tree: Tree
) -> None:
    login(client, tree.secretary_b1)
    rules = _int_rules(app)
    assert len(rules) > 40
    for method, rule, _args in rules:
        for value in IMPOSSIBLE:
            response = client.open(_path(rule, value), method=method)
            assert response.status_code == 404, (method, rule, value[:30], response.status_code)
            if rule.startswith("/api/"):
                assert response.json == {
                    "error": {
                        "status": 404,
                        "message": "Không tìm thấy trang hoặc tài liệu bạn cần.",
                    }
                }
        # The largest id itself still reaches the view and its query (nothing stored there).
        response = client.open(_path(rule, str(MAX_ID)), method=method)
        assert response.status_code in {400, 404}, (method, rule, response.status_code)


def test_the_id_pattern_is_exactly_one_to_the_limit() -> None:
    for limit in (1, 7, 9, 10, 11, 99, 100, 205, 1000, 2999):
        pattern = re.compile(_decimal_up_to(limit) + r"\Z")
        matched = [n for n in range(3100) if pattern.match(str(n))]
        assert matched == list(range(1, limit + 1)), limit
    pattern = re.compile(_decimal_up_to(MAX_ID) + r"\Z")
    numbers = random.Random(20261130)  # noqa: S311 - a fixed sample, not a secret
    for n in [
        MAX_ID,
        MAX_ID + 1,
        10**9,
        10**10,
        *(numbers.randrange(1, 4 * MAX_ID) for _ in range(20_000)),
    ]:
        assert bool(pattern.match(str(n))) == (n <= MAX_ID), n
    assert not pattern.match("01")


def _refused(ack: dict, status: int) -> bool:
    return ack["ok"] is False and ack["status"] == status and isinstance(ack["error"], str)


@BOTH
@pytest.mark.parametrize("big", [MAX_ID + 1, 2**63, 2**64])
def test_socket_payload_ids_no_database_holds_are_refused(
    app: Flask, client: FlaskClient, tree: Tree, big: int
) -> None:
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1)
    live = socket_for(app, tree.secretary_b1)
    for event, payload in (
        ("comments.join", {"document": big}),
        ("comments.join", {"agenda_item": big}),
        ("comment.post", {"document": big, "client_id": "lon-000001", "body": "x"}),
        ("comment.post", {"agenda_item": big, "client_id": "lon-000002", "body": "x"}),
        ("comment.edit", {"comment": big, "body": "x"}),
        ("comment.delete", {"comment": big}),
        ("comment.hide", {"comment": big}),
        ("comment.disposition", {"comment": big, "value": "accepted"}),
        ("document.join", {"document": big}),
    ):
        ack = live.emit(event, payload, callback=True)
        assert _refused(ack, 400), (event, ack)
        assert "mã số" in ack["error"] or ack["error"] == INVALID, (event, ack)
    ack = live.emit(
        "comment.post",
        {"document": document.id, "client_id": "lon-000003", "body": "x", "paragraph": big},
        callback=True,
    )
    assert _refused(ack, 400), ack


@BOTH
def test_socket_after_and_parent_beyond_64_bits_are_refused(
    app: Flask, client: FlaskClient, tree: Tree
) -> None:
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1)
    live = socket_for(app, tree.secretary_b1)
    big = 2**63
    join = live.emit("comments.join", {"document": document.id, "after": big}, callback=True)
    assert _refused(join, 400), join
    reply = live.emit(
        "comment.post",
        {"document": document.id, "client_id": "lon-000004", "body": "x", "parent": big},
        callback=True,
    )
    assert _refused(reply, 400), reply
    listed = client.get(f"/api/v1/documents/{document.id}/comments?after={big}")
    assert listed.status_code == 400 and "after" in listed.json["error"]["message"]
    posted = client.post(
        f"/api/v1/documents/{document.id}/comments",
        json={"client_id": "lon-000005", "body": "x", "parent": big},
    )
    assert posted.status_code == 400


def _nameless(*, filename: bool) -> tuple[bytes, str]:
    """A multipart body with one part whose Content-Disposition has no ``name``."""
    disposition = 'form-data; filename="a.pdf"' if filename else "form-data"
    body = (
        b"--XX\r\n"
        b'Content-Disposition: form-data; name="title"\r\n\r\nHop\r\n'
        b"--XX\r\n"
        b"Content-Disposition: " + disposition.encode() + b"\r\n"
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n"
        b"--XX--\r\n"
    )
    return body, "multipart/form-data; boundary=XX"


@pytest.mark.parametrize("filename", [False, True], ids=["field", "file"])
def test_a_multipart_part_without_a_name_is_a_400_before_and_after_sign_in(
    make_app, tree: Tree, filename: bool
) -> None:
    """Before the fix, a nameless field crashed Flask-WTF's CSRF check (``None.endswith``)."""
    app = make_app(WTF_CSRF_ENABLED=True)
    body, content_type = _nameless(filename=filename)
    anonymous = app.test_client()
    page = anonymous.post("/login", data=body, content_type=content_type)
    assert page.status_code == 400
    assert INVALID in page.get_data(as_text=True)

    browser = app.test_client()
    form = browser.get("/login").get_data(as_text=True)
    token = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    signed = browser.post(
        "/login",
        data={"login": tree.secretary_b1.login_name, "password": PASSWORD, "csrf_token": token},
    )
    assert signed.status_code == 302
    api = browser.post(
        "/api/v1/meetings/1/documents",
        data=body,
        content_type=content_type,
        headers={"X-CSRFToken": browser.get("/api/v1/me").json["csrf_token"]},
    )
    assert api.status_code == 400
    assert api.json == {"error": {"status": 400, "message": INVALID}}
    upload = browser.post(
        "/meetings/1/documents",
        data=body,
        content_type=content_type,
        headers={"X-CSRFToken": token},
    )
    assert upload.status_code == 400


@BOTH
def test_nul_in_form_or_json_text_is_a_400(app: Flask, client: FlaskClient, tree: Tree) -> None:
    """PostgreSQL cannot store a NUL in text: every such request was a 500 there, sign-in too."""
    stranger = app.test_client()
    signing = stranger.post("/login", data={"login": "0912\x00", "password": "x"})
    assert signing.status_code == 400
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1)
    page = client.post(f"/org/{tree.b1.id}/meetings/new", data=meeting_form(title="Họp\x00"))
    assert page.status_code == 400
    api = client.post(
        f"/api/v1/organizations/{tree.b1.id}/meetings",
        json={"title": "Họp\x00", "starts_at": "2099-01-01T08:00:00+07:00"},
    )
    assert api.status_code == 400 and api.json["error"]["message"] == INVALID
    comment = client.post(
        f"/api/v1/documents/{document.id}/comments", json={"client_id": "nul-0000001", "body": "x"}
    ).json["comment"]
    hidden = client.post(f"/api/v1/comments/{comment['id']}/hide", json={"reason": "a\x00b"})
    assert hidden.status_code == 400
    key = client.post(f"/api/v1/comments/{comment['id']}/hide", json={"re\x00ason": "x"})
    assert key.status_code == 400
    db.session.expire_all()
    assert db.session.get(Document, document.id) is not None


def test_json_nested_past_the_recursion_limit_is_a_400(client: FlaskClient, tree: Tree) -> None:
    login(client, tree.secretary_b1)
    url = f"/api/v1/organizations/{tree.b1.id}/meetings"
    for body in ("[" * 50_000 + "]" * 50_000, '{"a":' * 50_000 + "1" + "}" * 50_000):
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code == 400, response.status_code
        assert response.json["error"]["status"] == 400
