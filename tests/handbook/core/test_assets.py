"""Static files for slow links (core/assets.py): hashed names in pages, br/gzip/identity chosen
by the request, a year's cache for hashed names, the plain names still answering, and the
compressed copies made once and reused by the next start."""

from __future__ import annotations

import gzip
import hashlib
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import brotli
import pytest
from flask import Flask

from handbook.core import assets
from tests.conftest import login
from tests.helpers import create_meeting, published_document

STATIC = Path(__file__).resolve().parents[3] / "handbook" / "static"
SOURCE_CSS = (STATIC / "css" / "app.css").read_bytes()
#: What phones get: the stylesheet minified.
CSS = assets.minified("css/app.css", SOURCE_CSS)
SOCKET_IO = "vendor/socket.io.min.js"


def _get(client, url: str, **headers: str):
    """The answer, read and closed (a static answer holds its file open until closed)."""
    with client.get(url, headers={k.replace("_", "-"): v for k, v in headers.items()}) as response:
        response.get_data()
    return response


def _links(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def _served(name: str) -> bytes:
    return assets.minified(name, (STATIC / name).read_bytes())


def _hashed(name: str, data: bytes) -> str:
    stem, _, suffix = name.rpartition(".")
    return f"/static/{stem}.{hashlib.sha256(data).hexdigest()[:10]}.{suffix}"


def test_pages_link_static_files_by_their_content_hash(client, tree) -> None:
    login(client, tree.member_b1)
    links = _links(client.get("/").get_data(as_text=True))
    assert _hashed("css/app.css", CSS) in links
    assert _hashed("js/app.js", _served("js/app.js")) in links
    assert all(re.search(r"\.[0-9a-f]{10}\.\w+$", link) for link in links), links


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [
        ("gzip, deflate, br, zstd", "br", brotli.decompress),
        ("gzip, deflate", "gzip", gzip.decompress),
        ("br;q=0, gzip", "gzip", gzip.decompress),
        ("identity", None, lambda data: data),
        ("", None, lambda data: data),
    ],
)
def test_the_best_accepted_encoding_decodes_to_the_file(
    client, accept: str, encoding: str | None, decode: Callable[[bytes], bytes]
) -> None:
    response = _get(client, _hashed("css/app.css", CSS), Accept_Encoding=accept)
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert decode(response.data) == CSS
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in response.vary
    etag, weak = response.get_etag()
    assert etag and not weak
    if encoding == "br":
        assert len(response.data) < len(CSS) / 3


def test_each_encoding_has_its_own_strong_etag_and_answers_304(client) -> None:
    url = _hashed("css/app.css", CSS)
    tags = {}
    for accept in ("br", "gzip", "identity"):
        first = _get(client, url, Accept_Encoding=accept)
        tags[accept] = first.headers["ETag"]
        again = _get(client, url, Accept_Encoding=accept, If_None_Match=tags[accept])
        assert again.status_code == 304
        assert again.data == b""
    assert len(set(tags.values())) == 3


def test_a_signed_in_visit_does_not_make_static_files_vary_by_cookie(client, tree) -> None:
    """A new session cookie at each page must not make the phone's cache miss."""
    login(client, tree.member_b1)
    client.get("/")
    response = _get(client, _hashed("css/app.css", CSS), Accept_Encoding="br")
    assert response.status_code == 200
    assert "cookie" not in {v.lower() for v in response.vary}
    assert "Set-Cookie" not in response.headers  # nor a cookie to carry on 3G
    page = client.get("/")
    assert "cookie" in {v.lower() for v in page.vary}  # pages still do


def test_the_plain_name_still_answers_revalidated(client) -> None:
    response = _get(client, "/static/css/app.css", Accept_Encoding="gzip")
    assert response.status_code == 200
    assert gzip.decompress(response.data) == CSS
    assert response.headers["Cache-Control"] == "no-cache"
    again = _get(
        client,
        "/static/css/app.css",
        Accept_Encoding="gzip",
        If_None_Match=response.headers["ETag"],
    )
    assert again.status_code == 304


def test_an_unknown_hash_gets_the_current_file_never_cached_under_that_name(client) -> None:
    response = _get(client, "/static/css/app.0123456789.css", Accept_Encoding="")
    assert response.status_code == 200
    assert response.data == CSS
    assert response.headers["Cache-Control"] == "no-cache"
    assert _get(client, "/static/css/nothing.0123456789.css").status_code == 404
    assert _get(client, "/static/css/nothing.css").status_code == 404


def test_pngs_are_sent_as_they_are_svg_compressed(client) -> None:
    png = (STATIC / "icons" / "icon-192.png").read_bytes()
    response = _get(client, _hashed("icons/icon-192.png", png), Accept_Encoding="br")
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.data == png and response.mimetype == "image/png"
    svg = (STATIC / "icons" / "icon.svg").read_bytes()
    response = _get(client, _hashed("icons/icon.svg", svg), Accept_Encoding="br")
    assert response.headers["Content-Encoding"] == "br"
    assert response.mimetype == "image/svg+xml"
    assert brotli.decompress(response.data) == svg


def test_compression_does_not_encode_a_static_answer_twice(client) -> None:
    """core/compression.py gzips pages; a static file arrives encoded once, whichever way."""
    for accept in ("gzip", "gzip, br"):
        response = _get(
            client, _hashed(SOCKET_IO, (STATIC / SOCKET_IO).read_bytes()), Accept_Encoding=accept
        )
        encoding = response.headers["Content-Encoding"]
        assert "," not in encoding
        decoded = (gzip.decompress if encoding == "gzip" else brotli.decompress)(response.data)
        assert decoded == (STATIC / SOCKET_IO).read_bytes()


def test_socket_io_is_loaded_only_where_pages_change_live(client, tree) -> None:
    login(client, tree.secretary_b1)
    document = published_document(client, tree.b1)
    meeting_page = client.get(f"/meetings/{document.meeting_id}").get_data(as_text=True)
    document_page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    meeting = create_meeting(client, tree.b1)
    assert meeting is not None
    home = client.get("/").get_data(as_text=True)
    search = client.get("/search").get_data(as_text=True)
    socket = re.compile(r'<script src="/static/vendor/socket\.io\.min\.[0-9a-f]{10}\.js" defer>')
    account = client.get("/account").get_data(as_text=True)
    assert socket.search(meeting_page) and socket.search(document_page) and socket.search(home)
    assert not socket.search(search) and not socket.search(account)
    for html in (home, meeting_page, document_page):
        scripts = re.findall(r"<script[^>]*>", html)
        assert scripts and all(" defer" in tag for tag in scripts), scripts


def _cache_files(instance: Path) -> dict[str, tuple[int, int]]:
    cache = instance / "static-cache"
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in cache.iterdir()}


def test_copies_are_made_once_and_reused_by_the_next_start(
    make_app: Callable[..., Flask], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    real = assets._encode

    def counted(encoding: str, data: bytes, digest: str) -> bytes:
        made.append(encoding)
        return real(encoding, data, digest)

    monkeypatch.setattr(assets, "_encode", counted)
    monkeypatch.setattr(assets, "_made_here", {})  # as a new process: nothing made yet
    instance = tmp_path / "fresh-instance"
    first = make_app(INSTANCE_PATH=str(instance))
    copies = _cache_files(instance)
    digest = hashlib.sha256(CSS).hexdigest()
    assert {digest, f"{digest}.br", f"{digest}.gz"} <= set(copies)
    assert made.count("br") == made.count("gzip") > 0
    assert first.extensions["handbook.assets"].made == len(made)
    first.extensions["handbook.engine"].dispose()

    made.clear()
    second = make_app(INSTANCE_PATH=str(instance))  # a restart on the same instance folder
    assert made == []
    assert second.extensions["handbook.assets"].made == 0
    assert _cache_files(instance) == copies  # the same files, untouched
    with second.test_client() as client:
        response = _get(client, _hashed("css/app.css", CSS), Accept_Encoding="br")
        assert brotli.decompress(response.data) == CSS
    second.extensions["handbook.engine"].dispose()


def test_a_changed_file_gets_a_new_name_and_new_copies(tmp_path: Path) -> None:
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    (folder / "css" / "app.css").write_bytes(CSS)
    (folder / ".hidden").write_text("not served")
    cache = tmp_path / "cache"
    before = assets.build(folder, cache).by_name["css/app.css"]
    (folder / "css" / "app.css").write_bytes(CSS + b"\n.new { color: red; }\n")
    table = assets.build(folder, cache)
    after = table.by_name["css/app.css"]
    assert after.hashed != before.hashed and after.digest != before.digest
    assert set(after.copies) == {"identity", "br", "gzip"}
    assert brotli.decompress(after.copies["br"].read_bytes()).endswith(b".new{color:red}")
    assert ".hidden" not in table.by_name


def test_scripts_and_styles_go_out_minified_and_still_parse(tmp_path: Path) -> None:
    """Comments and spaces out (a quarter of what brotli leaves), code untouched: every script
    still parses in Node, and a vendor file already minified is sent byte for byte."""
    table = assets.build(STATIC, tmp_path / "cache")
    app_js = table.by_name["js/app.js"].copies["identity"].read_bytes()
    source = (STATIC / "js" / "app.js").read_bytes()
    assert len(app_js) < len(source) * 0.8
    assert b"/*" not in app_js
    assert table.by_name["css/app.css"].copies["identity"].read_bytes() == CSS
    assert b"/*" not in CSS and len(CSS) < len(SOURCE_CSS)
    vendor = table.by_name[SOCKET_IO].copies["identity"].read_bytes()
    assert vendor == (STATIC / SOCKET_IO).read_bytes()
    for name, asset in table.by_name.items():
        if name.endswith(".js"):
            checked = subprocess.run(
                ["node", "--check", str(asset.copies["identity"])],
                capture_output=True,
                text=True,
                check=False,
            )
            assert checked.returncode == 0, (name, checked.stderr)
