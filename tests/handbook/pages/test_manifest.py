"""The web app manifest, its icons, the favicon and the links in every page's head."""

from __future__ import annotations

import io
import json
import re

from PIL import Image

from tests.conftest import login


def _get(client, url: str):
    with client.get(url) as response:
        response.get_data()
    return response


def test_the_manifest_says_how_the_app_installs(client) -> None:
    response = _get(client, "/manifest.webmanifest")  # asked without cookies: no sign-in
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["name"] == "Sổ tay Đảng viên điện tử"
    assert manifest["short_name"] == "Sổ tay ĐV"
    assert manifest["lang"] == "vi"
    assert manifest["start_url"] == "/?nguon=app"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9A-F]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9A-F]{6}", manifest["background_color"])
    assert "tài liệu" in manifest["description"]
    kinds = {(i["type"], i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert kinds == {
        ("image/svg+xml", "any", "any"),
        ("image/png", "192x192", "any"),
        ("image/png", "512x512", "any"),
        ("image/png", "512x512", "maskable"),
    }


def _contrast(hex_color: str) -> float:
    """WCAG contrast of white text on ``hex_color``."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def test_white_reads_on_the_theme_colour(client) -> None:
    manifest = json.loads(_get(client, "/manifest.webmanifest").data)
    assert _contrast(manifest["theme_color"]) >= 4.5


def test_every_icon_answers_at_its_declared_size(client) -> None:
    manifest = json.loads(_get(client, "/manifest.webmanifest").data)
    for icon in manifest["icons"]:
        response = _get(client, icon["src"])
        assert response.status_code == 200, icon
        assert response.mimetype == icon["type"]
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        if icon["type"] == "image/png":
            with Image.open(io.BytesIO(response.data)) as image:
                assert f"{image.width}x{image.height}" == icon["sizes"]
                assert image.format == "PNG"
                if icon["purpose"] == "maskable":  # full bleed: no transparent corner
                    assert image.convert("RGBA").getpixel((0, 0))[3] == 255
        else:
            assert b"<svg" in response.data or response.headers.get("Content-Encoding")


def test_the_favicon_is_a_real_icon(client) -> None:
    response = _get(client, "/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/x-icon"
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.format == "ICO"
        assert image.size == (32, 32)


def test_pages_link_the_manifest_and_icons(client, tree) -> None:
    login(client, tree.member_b1)
    for url in ("/", "/offline"):
        html = _get(client, url).get_data(as_text=True)
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html
        assert re.search(r'<meta name="theme-color" content="#[0-9A-F]{6}">', html)
        assert 'name="apple-mobile-web-app-capable" content="yes"' in html
        found = re.findall(r'<link rel="(apple-touch-icon|icon)" href="([^"]+\.png)"', html)
        assert {rel for rel, _href in found} == {"apple-touch-icon", "icon"}
        sizes = {"apple-touch-icon": (180, 180), "icon": (32, 32)}
        for rel, href in found:
            with Image.open(io.BytesIO(_get(client, href).data)) as image:
                assert image.size == sizes[rel]
        svg = re.search(r'<link rel="icon" href="([^"]+\.svg)" type="image/svg\+xml">', html)
        assert svg and _get(client, svg[1]).status_code == 200
