"""gzip for pages and JSON: Vietnamese text shrinks four to five times, which 3G feels."""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

_COMPRESSIBLE = ("text/html", "application/json", "text/css", "text/javascript", "text/calendar")
_MIN_SIZE = 1024


def init_app(app: Flask) -> None:
    app.after_request(_compress)


def _compress(response: Response) -> Response:
    if (
        response.direct_passthrough
        or response.status_code < 200
        or response.status_code >= 300
        and response.status_code != 404
        or "Content-Encoding" in response.headers
        or "gzip" not in request.headers.get("Accept-Encoding", "")
        or not (response.mimetype or "").startswith(_COMPRESSIBLE)
    ):
        return response
    data = response.get_data()
    if len(data) < _MIN_SIZE:
        return response
    response.set_data(gzip.compress(data, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
