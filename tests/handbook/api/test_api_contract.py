"""What the API answers is what ``/api/v1/openapi.json`` says, in the cases schemathesis found
drifting: the comment changes' answers, 409 and 429, bounded ids and non-empty bodies, 401 for
writes without a session (CSRF still required once signed in), ``document.join``'s refusals,
and the type of a text original. The description is the one spectree generates from the views'
contracts; refusals of its validation are the API's Vietnamese 400."""

from __future__ import annotations

import io
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient

from handbook.api.contract import spec
from handbook.core import db
from handbook.core.inputs import MAX_ID
from handbook.documents.models import Document
from tests.conftest import PASSWORD, Tree, login, socket_for
from tests.helpers import published_document

SIGN_IN = "Vui lòng đăng nhập để tiếp tục."


def _conforms(response: Any, path: str, method: str) -> None:
    """The status is documented for the operation and the body matches its schema."""
    document = spec.spec
    responses = document["paths"][path][method]["responses"]
    assert str(response.status_code) in responses, (path, method, response.status_code)
    assert response.mimetype == "application/json"
    schema = responses[str(response.status_code)]["content"]["application/json"]["schema"]
    jsonschema.validate(response.json, {**schema, "components": document["components"]})


@pytest.fixture
def document(client: FlaskClient, tree: Tree) -> Document:
    """A published document of branch b1, with the secretary signed in on ``client``."""
    login(client, tree.secretary_b1)
    return published_document(client, tree.b1)


def _comment(client: FlaskClient, document: Document, client_id: str) -> dict[str, Any]:
    posted = client.post(
        f"/api/v1/documents/{document.id}/comments", json={"client_id": client_id, "body": "Ý kiến"}
    )
    assert posted.status_code == 201
    return posted.json["comment"]


def test_every_comment_change_answers_as_described(
    app: Flask, client: FlaskClient, tree: Tree, document: Document
) -> None:
    """``{"comment": …}``, as the Socket.IO acks and the existing clients read it."""
    member = app.test_client()
    login(member, tree.member_b1)
    mine = _comment(member, document, "doi-0000001")
    url = f"/api/v1/comments/{mine['id']}"
    for response, path, method in (
        (member.patch(url, json={"body": "Sửa lại"}), "/comments/{comment_id}", "patch"),
        (
            client.post(f"{url}/disposition", json={"value": "accepted"}),
            "/comments/{comment_id}/disposition",
            "post",
        ),
        (
            client.post(f"{url}/hide", json={"reason": "Lạc đề"}),
            "/comments/{comment_id}/hide",
            "post",
        ),
    ):
        assert response.status_code == 200, response.json
        assert response.json["comment"]["id"] == mine["id"]
        _conforms(response, path, method)
    other = _comment(member, document, "doi-0000002")
    deleted = member.delete(f"/api/v1/comments/{other['id']}")
    assert deleted.json["comment"]["deleted"] is True
    _conforms(deleted, "/comments/{comment_id}", "delete")


def test_a_resend_answers_200_as_described(client: FlaskClient, document: Document) -> None:
    url = f"/api/v1/documents/{document.id}/comments"
    body = {"client_id": "lai-0000001", "body": "Gửi lại"}
    assert client.post(url, json=body).status_code == 201
    again = client.post(url, json=body)
    assert again.status_code == 200 and again.json["created"] is False
    _conforms(again, "/documents/{document_id}/comments", "post")


def test_409_is_described_where_it_happens(
    app: Flask, tree: Tree, client: FlaskClient, document: Document
) -> None:
    member = app.test_client()
    login(member, tree.member_b1)
    gone = _comment(member, document, "xoa-0000001")
    url = f"/api/v1/comments/{gone['id']}"
    assert member.delete(url).status_code == 200
    for response, method in (
        (member.patch(url, json={"body": "Nữa"}), "patch"),
        (member.delete(url), "delete"),
    ):
        assert response.status_code == 409
        _conforms(response, "/comments/{comment_id}", method)


def test_429_is_described_where_it_happens(make_app: Any, tree: Tree) -> None:
    app = make_app(
        RATELIMIT_ENABLED=True, COMMENT_RATE_LIMIT="2 per minute", LOGIN_RATE_LIMIT="100 per minute"
    )
    client = app.test_client()
    with app.app_context():
        login(client, tree.secretary_b1)
        document = published_document(client, tree.b1)
        item = db.session.get(Document, document.id).meeting.agenda[0]
    statuses = []
    for n in range(3):
        response = client.post(
            f"/api/v1/agenda-items/{item.id}/comments",
            json={"client_id": f"nhanh-{n:06d}", "body": f"Ý kiến {n}"},
        )
        statuses.append(response.status_code)
        _conforms(response, "/agenda-items/{item_id}/comments", "post")
    assert statuses == [201, 201, 429]
    assert "quá nhanh" in response.json["error"]["message"]


def _body_schema(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    """The JSON body schema of an operation, its ``$ref`` resolved."""
    content = document["paths"][path][method]["requestBody"]["content"]["application/json"]
    name = content["schema"]["$ref"].removeprefix("#/components/schemas/")
    return document["components"]["schemas"][name]


def test_ids_are_bounded_and_bodies_not_empty_in_the_description(app: Flask) -> None:
    document = spec.spec
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert parameter["schema"]["minimum"] == 1, (path, method)
                    assert parameter["schema"]["maximum"] == MAX_ID == 2**31 - 1, (path, method)
    body = _body_schema(document, "/documents/{document_id}/comments", "post")["properties"]
    assert body["body"]["minLength"] == 1 and body["body"]["maxLength"] == 5000
    parent = next(s for s in body["parent"]["anyOf"] if s["type"] == "integer")
    assert parent["minimum"] == 1 and parent["maximum"] == MAX_ID
    edit = _body_schema(document, "/comments/{comment_id}", "patch")["properties"]
    assert edit["body"]["minLength"] == 1
    after = next(
        p
        for p in document["paths"]["/documents/{document_id}/comments"]["get"]["parameters"]
        if p["name"] == "after"
    )
    assert after["schema"]["minimum"] == 0 and after["schema"]["maximum"] == MAX_ID


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "/documents/{document}/comments", {"body": "x"}, "Thiếu trường “client_id”."),
        (
            "POST",
            "/documents/{document}/comments",
            {"client_id": "ngan", "body": "x"},
            "Trường “client_id” không đúng định dạng.",
        ),
        (
            "POST",
            "/documents/{document}/comments",
            {"client_id": "dai-0000001", "body": "x" * 5001},
            "Trường “body” dài quá 5000 ký tự.",
        ),
        (
            "POST",
            "/documents/{document}/comments",
            {"client_id": "cha-0000001", "body": "x", "parent": "1"},
            "Trường “parent” phải là số nguyên.",
        ),
        ("PATCH", "/comments/1", {"body": ""}, "Trường “body” không được để trống."),
        (
            "POST",
            "/comments/1/disposition",
            {"value": "vui"},
            "Trường “value” phải là “none”, “accepted” hoặc “explain”.",
        ),
        ("POST", "/comments/1/hide", "[1]", "Nội dung yêu cầu phải là một đối tượng JSON."),
        ("POST", "/comments/1/hide", "{khong", "Nội dung yêu cầu phải là một đối tượng JSON."),
        (
            "POST",
            "/documents/{document}/publish",
            {"publish_at": "2099-01-01 08:00"},
            "Trường “publish_at” phải có múi giờ, ví dụ 2026-12-05T19:30:00+07:00.",
        ),
        (
            "GET",
            "/documents/{document}/comments?after=%2B5",
            None,
            "Tham số “after” phải là số nguyên.",
        ),
        (
            "GET",
            "/documents/{document}/comments?since=h%C3%B4m+qua",
            None,
            "Tham số “since” phải là thời điểm ISO 8601 có múi giờ.",
        ),
        ("GET", "/notifications?limit=201", None, "Tham số “limit” không được lớn hơn 200."),
    ],
)
def test_what_the_contract_refuses_is_a_vietnamese_400(
    client: FlaskClient,
    document: Document,
    method: str,
    path: str,
    body: Any,
    message: str,
) -> None:
    """Validation by the generated contract speaks like the rest of the API, never in
    pydantic's English."""
    url = "/api/v1" + path.format(document=document.id)
    if isinstance(body, str):
        response = client.open(url, method=method, data=body, content_type="application/json")
    else:
        response = client.open(url, method=method, json=body)
    assert response.status_code == 400, response.json
    assert response.json == {"error": {"status": 400, "message": message}}


def test_an_upload_form_is_checked_by_its_contract(client: FlaskClient, tree: Tree) -> None:
    login(client, tree.secretary_b1)
    meeting = client.post(
        f"/api/v1/organizations/{tree.b1.id}/meetings",
        json={"title": "Họp", "starts_at": "2099-01-01T08:00:00+07:00"},
    ).json
    url = f"/api/v1/meetings/{meeting['id']}/documents"
    for data, message in (
        ({"title": "Không có tệp"}, "Thiếu trường “file”."),
        ({"file": "chữ, không phải tệp"}, "Thiếu tệp (trường “file”)."),
        (
            {"file": (io.BytesIO(b"x"), "a.txt"), "agenda_item_id": "-1"},
            "Trường “agenda_item_id” phải là số nguyên.",
        ),
        (
            {"file": (io.BytesIO(b"x"), "a.txt"), "agenda_item_id": str(MAX_ID + 1)},
            f"Trường “agenda_item_id” không được lớn hơn {MAX_ID}.",
        ),
        (
            {"file": (io.BytesIO(b"x"), "a.txt"), "title": "x" * 301},
            "Trường “title” dài quá 300 ký tự.",
        ),
    ):
        response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == 400, response.json
        assert response.json["error"]["message"] == message
    json_body = client.post(url, json={"file": "x"})
    assert json_body.status_code == 400
    assert json_body.json["error"]["message"] == "Thiếu tệp (trường “file”)."
    empty_item = client.post(
        url,
        data={"file": (io.BytesIO(b"Nghi quyet"), "a.txt"), "agenda_item_id": ""},
        content_type="multipart/form-data",
    )
    assert empty_item.status_code == 201, empty_item.json


def test_writes_without_a_session_get_401_and_signed_in_ones_still_need_the_token(
    make_app: Any, tree: Tree
) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    anonymous = app.test_client()
    for method, path, body in (
        ("POST", f"/api/v1/organizations/{tree.b1.id}/meetings", {"title": "Họp"}),
        ("POST", "/api/v1/documents/1/comments", {"client_id": "an-danh-001", "body": "x"}),
        ("PATCH", "/api/v1/comments/1", {"body": "x"}),
        ("DELETE", "/api/v1/comments/1", None),
        ("POST", "/api/v1/comments/1/hide", {}),
        ("POST", "/api/v1/notifications/read", None),
        ("POST", "/api/v1/meetings/1/documents", None),
    ):
        response = anonymous.open(path, method=method, json=body)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json == {"error": {"status": 401, "message": SIGN_IN}}

    browser = app.test_client()
    form = browser.get("/login").get_data(as_text=True)
    token = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    signed = browser.post(
        "/login",
        data={"login": tree.secretary_b1.login_name, "password": PASSWORD, "csrf_token": token},
    )
    assert signed.status_code == 302
    refused = browser.post("/api/v1/notifications/read")
    assert refused.status_code == 400
    assert "Phiên làm việc" in refused.json["error"]["message"]
    forged = browser.post("/api/v1/notifications/read", headers={"X-CSRFToken": "gia-mao"})
    assert forged.status_code == 400
    api_token = browser.get("/api/v1/me").json["csrf_token"]
    accepted = browser.post("/api/v1/notifications/read", headers={"X-CSRFToken": api_token})
    assert accepted.status_code == 200
    # The pages keep the global check: a form post without the token is still refused.
    page = browser.post(f"/org/{tree.b1.id}/meetings/new", data={"title": "Họp"})
    assert page.status_code == 400


def test_document_join_refusals_carry_a_status(app: Flask, tree: Tree, document: Document) -> None:
    outsider = socket_for(app, tree.member_b2)
    assert outsider.emit("document.join", {"document": document.id}, callback=True) == {
        "ok": False,
        "status": 404,
        "error": "Không tìm thấy tài liệu.",
    }
    for payload in ({"document": "1"}, {"document": True}, {"document": 0}, [], None):
        assert outsider.emit("document.join", payload, callback=True) == {
            "ok": False,
            "status": 400,
            "error": "Yêu cầu không hợp lệ.",
        }
    reader = socket_for(app, tree.member_b1)
    joined = reader.emit("document.join", {"document": document.id}, callback=True)
    assert joined == {"ok": True, "status": "ready", "progress": 100}
    tree.member_b1.active = False  # disabled while connected: the next event finds no user
    db.session.commit()
    refused = reader.emit("document.join", {"document": document.id}, callback=True)
    assert refused["ok"] is False and refused["status"] == 401


def test_a_text_original_says_its_charset_once(client: FlaskClient, document: Document) -> None:
    with client.get(f"/documents/{document.id}/file") as whole:
        assert whole.status_code == 200
        assert whole.headers["Content-Type"] == "text/plain; charset=utf-8"
    with client.get(f"/documents/{document.id}/file", headers={"Range": "bytes=0-9"}) as part:
        assert part.status_code == 206
        assert part.headers["Content-Type"] == "text/plain; charset=utf-8"
