"""The API against its own description: schemathesis generates requests from
``/api/v1/openapi.json`` (read from the app over WSGI, no network) for every operation and checks
each answer: never a 5xx, a documented status code, the documented content type, and a body
that matches the documented schema.

It runs signed in as a member and as the branch secretary, on a branch with a published meeting,
a document and comments, so that beside random ids (404s) the requests also reach real objects:
real ids are offered to the generator as path parameters. CSRF is on, as in production, and the
token goes with every request. Hypothesis is derandomized and keeps no example database, so
every run sends the same requests in the same order: a failure here is a bug, never bad luck.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from handbook.accounts.models import User
from handbook.core import db as hdb
from handbook.core.timeutil import utcnow
from tests.conftest import PASSWORD, Tree
from tests.test_meetings import TEXT

pytestmark = pytest.mark.timeout(300)

#: Generated requests per operation, for each strategy (random and with real ids, positive and
#: negative data): about 1,500 requests in all, 15-30 s on this 2-core machine.
EXAMPLES = 15
#: Flask-Login's strong session protection ties a session to the browser's address and agent.
AGENT = "schemathesis-handbook"
ADDRESS = "127.0.0.1"
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """The test app with CSRF on, each request in its own app context as in production."""
    app = make_app(WTF_CSRF_ENABLED=True)
    inner = app.wsgi_app

    def fresh_context(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        # The fixture keeps a context open for the test's queries; a request reusing it would
        # share ``g`` (and so the signed-in user) with the one before.
        with app.app_context():
            return inner(environ, start_response)

    app.wsgi_app = fresh_context  # type: ignore[method-assign]
    with app.app_context():
        yield app
        hdb.session.remove()
    app.extensions["handbook.engine"].dispose()


@dataclass
class Browser:
    """A signed-in browser: its test client, and what it sends with every API request."""

    client: FlaskClient
    cookies: dict[str, str]
    headers: dict[str, str]


def _sign_in(app: Flask, user: User) -> Browser:
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=AGENT, REMOTE_ADDR=ADDRESS)
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    signed = client.post(
        "/login", data={"login": user.login_name, "password": PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302, signed.get_data(as_text=True)
    me = client.get("/api/v1/me")
    assert me.status_code == 200, me.json
    # Identity: schemathesis's WSGI transport does not undo gzip, which large answers get.
    headers = {
        "User-Agent": AGENT,
        "X-CSRFToken": me.json["csrf_token"],
        "Accept-Encoding": "identity",
    }
    client.environ_base["HTTP_X_CSRFTOKEN"] = headers["X-CSRFToken"]
    cookie = client.get_cookie("session")
    assert cookie is not None
    return Browser(client, {"session": cookie.value}, headers)


def _world(app: Flask, tree: Tree) -> dict[str, int]:
    """A published meeting of branch b1 with an agenda, a text document, comments on it and on
    an agenda item; returns the real ids by path parameter name."""
    secretary = _sign_in(app, tree.secretary_b1).client
    meeting = secretary.post(
        f"/api/v1/organizations/{tree.b1.id}/meetings",
        json={
            "title": "Sinh hoạt chi bộ tháng 12",
            "starts_at": (utcnow() + timedelta(days=7)).isoformat(),
            "agenda": ["Báo cáo tình hình", "Thảo luận"],
        },
    )
    assert meeting.status_code == 201, meeting.json
    meeting_id, item_id = meeting.json["id"], meeting.json["agenda"][0]["id"]
    upload = secretary.post(
        f"/api/v1/meetings/{meeting_id}/documents",
        data={
            "file": (io.BytesIO(TEXT.encode()), "nghi-quyet.txt"),
            "agenda_item_id": str(item_id),
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    document_id = upload.json["id"]
    published = secretary.post(f"/api/v1/meetings/{meeting_id}/publish", json={})
    assert published.status_code == 200, published.json
    member = _sign_in(app, tree.member_b1).client
    comments = f"/api/v1/documents/{document_id}/comments"
    first = member.post(
        comments, json={"client_id": "seed-0001", "body": "Đồng ý.", "paragraph": 2}
    )
    assert first.status_code == 201, first.json
    comment_id = first.json["comment"]["id"]
    for url, body in (
        (comments, {"client_id": "seed-0002", "body": "Trả lời", "parent": comment_id}),
        (f"/api/v1/agenda-items/{item_id}/comments", {"client_id": "seed-0003", "body": "Ý kiến"}),
    ):
        posted = member.post(url, json=body)
        assert posted.status_code == 201, posted.json
    return {
        "org_id": tree.b1.id,
        "meeting_id": meeting_id,
        "document_id": document_id,
        "item_id": item_id,
        "comment_id": comment_id,
    }


def _strategies(operation: Any, real_ids: dict[str, int]) -> Iterable[Any]:
    """Positive and negative cases with random ids, and positive ones with the real ids."""
    yield operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
    yield operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    names = {parameter.name for parameter in operation.path_parameters}
    if names:
        real = {name: real_ids[name] for name in names}
        yield operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=real)


def _failures_of(operation: Any, browser: Browser, real_ids: dict[str, int]) -> dict[str, str]:
    """Run one operation's generated cases; distinct failures, one example each."""
    strategies = list(_strategies(operation, real_ids))
    found: dict[str, str] = {}

    @settings(
        max_examples=EXAMPLES * len(strategies),
        derandomize=True,
        database=None,
        deadline=None,
        # No shrinking: the app's state moves on between requests, so a replay may differ.
        # Failures are collected, not raised, for the same reason (no flaky-replay errors).
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def run(case: Any) -> None:
        try:
            case.call_and_validate(
                headers=browser.headers,
                cookies=browser.cookies,
                environ_base={"REMOTE_ADDR": ADDRESS},
                checks=CHECKS,
            )
        except (AssertionError, BaseExceptionGroup) as failure:
            for single in getattr(failure, "exceptions", [failure]):
                key = f"{operation.label}: {getattr(single, 'title', type(single).__name__)}"
                found.setdefault(key, f"{key}\n{failure}"[:3000])
        except Exception as error:  # noqa: BLE001 - an exception the app let out: a 500
            key = f"{operation.label}: {type(error).__name__}"
            found.setdefault(key, f"{key}: {error}\n{case.as_curl_command()}"[:3000])

    run()
    return found


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize("who", ["member_b1", "secretary_b1"])
def test_every_operation_keeps_the_contract(app: Flask, tree: Tree, who: str) -> None:
    real_ids = _world(app, tree)
    browser = _sign_in(app, getattr(tree, who))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        failures.update(_failures_of(operation, browser, real_ids))
    assert operations >= 18
    assert not failures, "\n\n".join(failures.values())
