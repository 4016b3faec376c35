"""Working without network: the service worker (served from the site's root so that it controls
every page) and the page it shows offline for what was never opened. See static/js/sw.js."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, send_file

bp = Blueprint("offline", __name__)


@bp.get("/sw.js")
def service_worker() -> Response:
    path = Path(current_app.static_folder or "") / "js" / "sw.js"
    response = send_file(path, mimetype="text/javascript", max_age=0)
    # Browsers check for a new worker at every visit anyway; never let a cache pin an old one.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline() -> str:
    """The same for everyone (it is kept in the shared part of the worker's cache): nothing
    personal here; offline.js lists what this phone kept."""
    return render_template("offline.html")
