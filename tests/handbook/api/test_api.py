"""The JSON API: same rules as the pages, errors as JSON, and a description generated from the
models that validate it, covering every route."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
import sqlalchemy as sa

import handbook
from handbook.api.contract import PREFIX, spec
from handbook.core import db
from handbook.core.timeutil import VIETNAM_TZ, utcnow
from handbook.documents.models import Document
from tests.conftest import PASSWORD, login
from tests.helpers import TEXT

API = Path(handbook.__file__).parent / "api"


def _valid(body, name: str) -> None:
    """``body`` matches the generated description's schema ``name``."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec.spec["components"]}
    jsonschema.validate(body, schema)


def _new_meeting(client, org, **extra):
    starts = (utcnow() + timedelta(days=7)).astimezone(VIETNAM_TZ).replace(microsecond=0)
    body = {
        "title": "Sinh hoạt chuyên đề chuyển đổi số",
        "kind": "thematic",
        "starts_at": starts.isoformat(),
        "place": "Hội trường xã",
        "agenda": ["Quán triệt nghị quyết", "Thảo luận"],
        **extra,
    }
    return client.post(f"/api/v1/organizations/{org.id}/meetings", json=body)


def _api_rules(app):
    """(method, described path) of every rule of the blueprint but its catch-all 404."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.not_found":
            path = re.sub(r"<int:(\w+)>", r"{\1}", rule.rule).removeprefix(PREFIX)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method.lower(), path


def test_every_api_route_is_in_the_generated_description(app) -> None:
    """No route undocumented, nothing documented that is not a route: the description comes
    from the blueprint's rules and each view's contract."""
    paths = spec.spec["paths"]
    routes = set(_api_rules(app))
    assert len(routes) >= 20
    described = {(method, path) for path, operations in paths.items() for method in operations}
    assert described == routes
    for method, path in routes:
        operation = paths[path][method]
        answers = operation["responses"]
        assert any(code.startswith("2") for code in answers), (method, path)
        public = operation.get("security") == []  # the description itself
        for code in ("400",) if public else ("400", "401", "403", "404"):
            assert answers[code]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }, (method, path, code)
        for answer in answers.values():
            ref = answer["content"]["application/json"]["schema"]["$ref"]
            assert ref.removeprefix("#/components/schemas/") in spec.spec["components"]["schemas"]


def test_no_hand_written_description_remains(client) -> None:
    """What ``/openapi.json`` serves is spectree's document, and no file in the package holds a
    schema written by hand."""
    assert client.get("/api/v1/openapi.json").json == spec.spec
    assert not (API / "openapi.py").exists()
    package = Path(handbook.__file__).parent
    for pattern in ("openapi*", "swagger*", "*.yaml", "*.yml"):
        assert not list(package.rglob(pattern)), pattern
    for module in API.glob("*.py"):
        source = module.read_text()
        assert "#/components/schemas" not in source and '"$ref"' not in source, module.name


def test_the_description_is_served_and_parses(client) -> None:
    body = client.get("/api/v1/openapi.json").json
    assert body["openapi"] == "3.1.0"
    assert body["servers"] == [{"url": "/api/v1"}]
    assert body["paths"]["/openapi.json"]["get"]["security"] == []
    for name, schema in body["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(schema), name


def test_a_secretary_works_through_the_api(client, tree) -> None:
    login(client, tree.secretary_b1)
    me = client.get("/api/v1/me").json
    _valid(me, "Me")
    created = _new_meeting(client, tree.b1)
    assert created.status_code == 201, created.json
    meeting = created.json
    _valid(meeting, "MeetingDetail")
    assert [a["title"] for a in meeting["agenda"]] == ["Quán triệt nghị quyết", "Thảo luận"]
    upload = client.post(
        f"/api/v1/meetings/{meeting['id']}/documents",
        data={
            "file": (io.BytesIO(TEXT.encode()), "nghi-quyet.txt"),
            "agenda_item_id": str(meeting["agenda"][0]["id"]),
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    _valid(upload.json, "Document")
    assert upload.json["status"] == "ready"
    pages = client.get(f"/api/v1/documents/{upload.json['id']}/pages").json
    assert pages["pages"][0]["blocks"][0]["text"] == "NGHỊ QUYẾT"
    for page in pages["pages"]:
        _valid(page, "Page")
    published = client.post(f"/api/v1/meetings/{meeting['id']}/publish", json={})
    assert published.status_code == 200, published.json
    assert published.json["published"] is True
    listed = client.get(f"/api/v1/organizations/{tree.b1.id}/meetings").json["meetings"]
    assert [m["id"] for m in listed] == [meeting["id"]]


def test_members_get_their_notifications(client, tree) -> None:
    secretary = client.application.test_client()
    login(secretary, tree.secretary_b1)
    meeting = _new_meeting(secretary, tree.b1).json
    secretary.post(f"/api/v1/meetings/{meeting['id']}/publish", json={})
    login(client, tree.member_b1)
    body = client.get("/api/v1/notifications").json
    assert body["unread"] == 1
    _valid(body["notifications"][0], "Notification")
    assert body["notifications"][0]["payload"]["title"] == meeting["title"]
    assert client.post("/api/v1/notifications/read").json == {"marked": 1, "unread": 0}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([1, 2], "đối tượng JSON"),
        ({"starts_at": "2099-01-01T08:00:00+07:00"}, "“title”"),
        ({"title": 42, "starts_at": "2099-01-01T08:00:00+07:00"}, "“title”"),
        ({"title": "x" * 301, "starts_at": "2099-01-01T08:00:00+07:00"}, "dài quá 300"),
        ({"title": "Họp", "starts_at": "ngày mai"}, "ISO 8601"),
        ({"title": "Họp", "starts_at": "2099-01-01T08:00:00"}, "múi giờ"),
        ({"title": "Họp", "starts_at": "2020-01-01T08:00:00+07:00"}, "đã qua"),
        ({"title": "Họp", "starts_at": "2099-01-01T08:00:00+07:00", "kind": "vui"}, "“kind”"),
        ({"title": "Họp", "starts_at": "2099-01-01T08:00:00+07:00", "agenda": "một"}, "“agenda”"),
    ],
)
def test_bad_bodies_get_a_clear_400(client, tree, body, message) -> None:
    login(client, tree.secretary_b1)
    response = client.post(f"/api/v1/organizations/{tree.b1.id}/meetings", json=body)
    assert response.status_code == 400
    _valid(response.json, "Error")
    assert message in response.json["error"]["message"]


def test_the_api_follows_the_same_policy(app, client, tree) -> None:
    login(client, tree.secretary_b1)
    meeting = _new_meeting(client, tree.b1).json
    client.post(
        f"/api/v1/meetings/{meeting['id']}/documents",
        data={"file": (io.BytesIO(TEXT.encode()), "a.txt")},
        content_type="multipart/form-data",
    )
    document_id = db.session.scalar(sa.select(Document.id))
    member = app.test_client()
    login(member, tree.member_b1)  # not yet published
    for path in (
        f"/api/v1/meetings/{meeting['id']}",
        f"/api/v1/documents/{document_id}",
        f"/api/v1/documents/{document_id}/pages",
    ):
        response = member.get(path)
        assert response.status_code == 404, path
        _valid(response.json, "Error")
    assert member.post(f"/api/v1/meetings/{meeting['id']}/publish", json={}).status_code == 404
    assert _new_meeting(member, tree.b1).status_code == 403
    other = app.test_client()
    login(other, tree.secretary_b2)
    assert _new_meeting(other, tree.b1).status_code == 404


def test_the_api_answers_401_without_a_session(client, tree) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"]["message"] == "Vui lòng đăng nhập để tiếp tục."


def test_api_writes_need_the_csrf_token(make_app, tree) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/login",
        data={"login": tree.secretary_b1.login_name, "password": PASSWORD, "csrf_token": token},
    )
    refused = _new_meeting(client, tree.b1)
    assert refused.status_code == 400
    assert "Phiên làm việc" in refused.json["error"]["message"]
    api_token = client.get("/api/v1/me").json["csrf_token"]
    starts = (utcnow() + timedelta(days=3)).isoformat()
    accepted = client.post(
        f"/api/v1/organizations/{tree.b1.id}/meetings",
        json={"title": "Họp", "starts_at": starts},
        headers={"X-CSRFToken": api_token},
    )
    assert accepted.status_code == 201
