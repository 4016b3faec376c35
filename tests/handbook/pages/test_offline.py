"""The service worker and the offline page are served to anyone, and carry nothing personal."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
import sqlalchemy as sa
from flask import url_for

from handbook.core import db
from handbook.documents.models import Document
from handbook.pages.offline import ICON
from tests.conftest import login
from tests.helpers import create_meeting, published_document, upload_document


def test_the_service_worker_is_served_from_the_root_uncached(client) -> None:
    with client.get("/sw.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert response.headers["Cache-Control"] == "no-cache"
        assert b"caches.open(PAGES)" in response.data
        assert b'addEventListener("push"' in response.data


def test_the_offline_page_is_the_same_for_everyone(client, tree) -> None:
    anonymous = client.get("/offline")
    assert anonymous.status_code == 200
    login(client, tree.member_b1)
    signed_in = client.get("/offline")
    assert signed_in.status_code == 200
    html = signed_in.get_data(as_text=True)
    assert "Đang mất kết nối" in html and 'id="kept"' in html
    assert "csrf" not in html and tree.member_b1.full_name not in html
    assert signed_in.data == anonymous.data  # kept once in the worker's shared cache


# --- the worker is written for this deployment -------------------------------------------------


def test_the_worker_carries_this_deployments_urls_and_settings(make_app) -> None:
    app = make_app(OFFLINE_NETWORK_DEADLINE_S=1.5, OFFLINE_AUDIO_BUDGET_MB=3)
    text = app.test_client().get("/sw.js").get_data(as_text=True)
    assert not re.search(r"__[A-Z_]+__", text)  # every placeholder filled
    assert "var DEADLINE_MS=1500;" in text  # minified as phones get it
    assert f"var AUDIO_BUDGET={3 * 1024 * 1024};" in text
    with app.test_request_context():
        css, icon = url_for("static", filename="css/app.css"), url_for("static", filename=ICON)
    precache = json.loads(re.search(r"var PRECACHE=(\[.*?\]);", text).group(1))
    assert precache[0] == "/offline" and css in precache
    assert f'var ICON="{icon}";' in text
    version = re.search(r'var VERSION="(\w+)";', text).group(1)
    # The same deployment, the same worker; new static files, a new static cache.
    assert app.test_client().get("/sw.js").get_data(as_text=True) == text
    # A new app.css: its content hash, so its URL, changes (core/assets.py).
    assets = app.extensions["handbook.assets"]
    old = assets.by_name["css/app.css"]
    assets.add(dataclasses.replace(old, hashed="css/app.0123456789.css", digest="0" * 64))
    changed = app.test_client().get("/sw.js").get_data(as_text=True)
    assert "/static/css/app.0123456789.css" in changed
    assert re.search(r'var VERSION="(\w+)";', changed).group(1) != version


def test_the_worker_keeps_what_a_members_kept_pages_load_and_no_managers_files(
    make_app, tree
) -> None:
    """A member's first visit installs the worker, which fetches what it keeps: the files of
    the pages a phone keeps (the meeting and its documents, with comments, voice, notes and
    votes), never the managers' (publishing, uploads, check-in, minutes, imports)."""
    app = make_app()
    client = app.test_client()
    with app.app_context():
        login(client, tree.secretary_b1)
        meeting = _meeting_with_document(client, tree.b1)
        document = db.session.scalars(sa.select(Document)).one()
        phone = app.test_client()
        login(phone, tree.member_b1)
        text = phone.get("/sw.js").get_data(as_text=True)
        kept = set(json.loads(re.search(r"var PRECACHE=(\[.*?\]);", text).group(1)))
        loaded = set()
        for page in (f"/meetings/{meeting.id}", f"/documents/{document.id}", "/offline"):
            html = phone.get(page).get_data(as_text=True)
            loaded |= set(re.findall(r'<script src="([^"]+)"', html))
            loaded |= set(re.findall(r'<link rel="stylesheet" href="([^"]+)"', html))
        with app.test_request_context():
            convenience = {url_for("static", filename="js/pack.js")}  # a card, not the page
            managers = {
                url_for("static", filename=name)
                for name in ("css/manage.css", "js/forms.js", "js/publish.js", "js/minutes.js")
            }
    assert loaded - convenience <= kept, loaded - convenience - kept
    assert not managers & kept


# --- the meeting pack: what the worker keeps for a meeting -------------------------------------


def _meeting_with_document(client, org, *, publish: bool = True):
    meeting = create_meeting(client, org)
    assert upload_document(client, meeting).status_code == 201
    if publish:
        client.post(f"/meetings/{meeting.id}/publish", data={"when": "now"})
    return meeting


@pytest.mark.parametrize(
    ("who", "publish", "status"),
    [
        ("member_b1", True, 200),
        ("secretary_b1", True, 200),
        ("committee_c", True, 200),
        ("member_b2", True, 404),  # another branch: not even its existence
        ("member_b3", True, 404),
        ("member_b1", False, 404),  # a draft is seen by its managers only
        ("secretary_b1", False, 200),
        (None, True, 302),  # signed out: to the sign-in page
    ],
)
def test_the_pack_is_for_those_who_see_the_meeting(make_app, tree, who, publish, status) -> None:
    app = make_app()
    client = app.test_client()
    with app.app_context():
        login(client, tree.secretary_b1)
        meeting = _meeting_with_document(client, tree.b1, publish=publish)
        client = app.test_client()  # a phone of its own
        if who is not None:
            login(client, getattr(tree, who))
        response = client.get(f"/meetings/{meeting.id}/pack")
        assert response.status_code == status
        if status == 302:
            assert "/login" in response.headers["Location"]
        if status == 200:
            body = response.json
            assert body["meeting"] == meeting.id
            assert body["page"] == f"/meetings/{meeting.id}"
            [document] = body["documents"]
            assert document["page"] == f"/documents/{document['id']}"
            assert document["audio_json"] == f"/documents/{document['id']}/audio.json"
            assert document["audio"] is None  # no voice in this app


def test_the_pack_names_the_recording_as_the_player_asks_for_it(make_app, tree) -> None:
    app = make_app(AUDIO_AUTO=True, TTS_ENGINE="espeak")
    client = app.test_client()
    with app.app_context():
        login(client, tree.secretary_b1)
        document = published_document(client, tree.b1)
        client = app.test_client()  # a phone of its own
        login(client, tree.member_b1)
        pack = client.get(f"/meetings/{document.meeting_id}/pack").json
        [entry] = pack["documents"]
        info = client.get(entry["audio_json"]).json
        assert entry["audio"]["url"] == info["url"]  # the same key in the phone's cache
        assert entry["audio"]["version"] == info["version"]
        with client.get(entry["audio"]["url"]) as mp3:
            assert mp3.status_code == 200
            assert entry["audio"]["size"] == len(mp3.data)


def test_the_pack_lists_only_documents_the_member_may_read(make_app, tree) -> None:
    app = make_app()
    client = app.test_client()
    with app.app_context():
        login(client, tree.secretary_b1)
        meeting = _meeting_with_document(client, tree.b1)
        # One more, withdrawn from members: a draft of its own in the published meeting.
        upload_document(client, meeting, name="du-thao.txt")
        documents = db.session.scalars(
            sa.select(Document).where(Document.meeting_id == meeting.id).order_by(Document.id)
        ).all()
        hidden = documents[-1]
        hidden.publish_at = None
        db.session.commit()
        managed = client.get(f"/meetings/{meeting.id}/pack").json["documents"]
        client = app.test_client()  # a phone of its own
        login(client, tree.member_b1)
        seen = client.get(f"/meetings/{meeting.id}/pack").json["documents"]
        assert hidden.id in [d["id"] for d in managed]
        assert [d["id"] for d in seen] == [d.id for d in documents if d.id != hidden.id]
        assert client.get(f"/documents/{hidden.id}").status_code == 404  # the same rule
