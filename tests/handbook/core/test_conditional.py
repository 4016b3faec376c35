"""A page that has not changed is not sent again: every GET answer carries a strong ETag (one
per encoding) and a revisit naming it gets an empty 304. For that, a page must render to the
same bytes while nothing changed, so its CSRF token is reused for an hour; the reused token is
still accepted, and a new session gets its own."""

from __future__ import annotations

import gzip
import re

import brotli  # type: ignore[import-untyped]
import pytest
from flask import Flask

from tests.conftest import PASSWORD, login
from tests.helpers import published_document, response_text

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture
def guarded(make_app) -> Flask:
    """An app that checks CSRF tokens, as in production."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


def _sign_in(client, login_name: str) -> None:
    form = response_text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    answer = client.post(
        "/login", data={"login": login_name, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302 and "/login" not in answer.headers["Location"]


def test_an_unchanged_page_is_answered_304(app, client, tree) -> None:
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1)
    member = app.test_client()
    login(member, tree.member_b1)
    path = f"/documents/{document.id}"
    first = member.get(path)
    again = member.get(path)
    assert first.status_code == again.status_code == 200
    assert first.get_data() == again.get_data()
    tag = first.headers["ETag"]
    assert tag == again.headers["ETag"] and not tag.startswith("W/")

    revisit = member.get(path, headers={"If-None-Match": tag})
    assert revisit.status_code == 304
    assert revisit.get_data() == b""
    assert revisit.headers["ETag"] == tag

    # The gzip representation has its own tag, and its own 304.
    zipped = member.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == first.get_data()
    assert zipped.headers["ETag"] != tag
    assert (
        member.get(path, headers={"If-None-Match": tag, "Accept-Encoding": "gzip"}).status_code
        == 200
    )
    assert (
        member.get(
            path, headers={"If-None-Match": zipped.headers["ETag"], "Accept-Encoding": "gzip"}
        ).status_code
        == 304
    )

    # Brotli where the browser takes it (every browser on HTTPS or localhost), its own tag.
    squeezed = member.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert squeezed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(squeezed.get_data()) == first.get_data()
    assert len(squeezed.get_data()) < len(zipped.get_data())
    assert squeezed.headers["ETag"] not in (tag, zipped.headers["ETag"])

    # Something changed on the page: the old tag no longer matches.
    key = re.search(r'name="client_id" value="([^"]+)"', response_text(first)).group(1)
    posted = member.post(
        f"/documents/{document.id}/comments", data={"body": "Tôi nhất trí.", "client_id": key}
    )
    assert posted.status_code == 302 and "#c-" in posted.headers["Location"]
    changed = member.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert "Tôi nhất trí." in response_text(changed)
    # The same form sent twice stored one comment; the page's next form has a new key.
    again = member.post(
        f"/documents/{document.id}/comments", data={"body": "Tôi nhất trí.", "client_id": key}
    )
    assert again.headers["Location"] == posted.headers["Location"]
    assert response_text(changed).count("Tôi nhất trí.") == 1
    assert f'value="{key}"' not in response_text(changed)


def test_another_member_never_matches_my_tag(app, client, tree) -> None:
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1)
    member = app.test_client()
    login(member, tree.member_b1)
    tag = member.get(f"/documents/{document.id}").headers["ETag"]
    login(client, tree.secretary_b1)
    theirs = client.get(f"/documents/{document.id}", headers={"If-None-Match": tag})
    assert theirs.status_code == 200  # their name, their token, their page


def test_the_reused_token_is_accepted_and_sessions_do_not_share_it(guarded, tree) -> None:
    member = guarded.test_client()
    _sign_in(member, "0912000002")
    first = TOKEN.search(response_text(member.get("/"))).group(1)
    assert TOKEN.search(response_text(member.get("/account"))).group(1) == first
    answer = member.post("/account/text-size", data={"csrf_token": first, "next": "/"})
    assert answer.status_code == 302
    other = guarded.test_client()
    _sign_in(other, "0912000001")
    assert TOKEN.search(response_text(other.get("/"))).group(1) != first
    # A token that is not this session's is refused, reused or not.
    refused = other.post("/account/text-size", data={"csrf_token": first, "next": "/"})
    assert refused.status_code == 400
