"""The web app manifest and the favicon: the handbook installs on a phone's home screen and
opens like an app (no browser bars), under the Party's red. The icons are drawn in
static/icons/*.svg and made into PNGs by scripts/icons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, send_file, url_for

bp = Blueprint("manifest", __name__)

#: The red of the pages' top bar (app.css ``--red``), so the phone's status bar runs into it;
#: white on it has a contrast of 7.9:1 (WCAG AA asks 4.5:1). The icon's field is a brighter
#: red (#C8102E, 5.9:1), which reads better among other apps' icons.
THEME_COLOR = "#A50E0E"
#: The pages' background (app.css ``--paper``), shown while the installed app starts.
BACKGROUND_COLOR = "#FBF8F3"

#: (file under static/icons, sizes, type, purpose)
ICONS = (
    ("icons/icon.svg", "any", "image/svg+xml", "any"),
    ("icons/icon-192.png", "192x192", "image/png", "any"),
    ("icons/icon-512.png", "512x512", "image/png", "any"),
    ("icons/icon-maskable-512.png", "512x512", "image/png", "maskable"),
)


@bp.app_context_processor
def _theme() -> dict[str, str]:
    """Every page's ``<meta name="theme-color">`` (templates/_app_head.html) says the same."""
    return {"theme_color": THEME_COLOR}


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    body: dict[str, Any] = {
        "name": "Sổ tay Đảng viên điện tử",
        "short_name": "Sổ tay ĐV",
        "description": (
            "Đọc, nghe tài liệu sinh hoạt chi bộ và góp ý trước buổi họp, "
            "cả khi mạng yếu hoặc mất mạng."
        ),
        "lang": "vi",
        "dir": "ltr",
        # The query marks visits from the installed app (counted apart from the browser's).
        "start_url": "/?nguon=app",
        "id": "/?nguon=app",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {"src": url_for("static", filename=name), "sizes": sizes, "type": kind, "purpose": use}
            for name, sizes, kind, use in ICONS
        ],
    }
    response = Response(
        json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/manifest+json"
    )
    # Its icons' hashed names change with their content: browsers should ask again daily.
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it whatever the page links to: the 32 px icon in an ICO file."""
    path = Path(current_app.static_folder or "") / "icons" / "favicon.ico"
    response = send_file(path, mimetype="image/x-icon", max_age=86400)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
