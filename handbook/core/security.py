"""Response hardening: the security headers every answer carries.

Sign-in (Flask-Login, the user loader, devices) is the accounts domain's:
``accounts/sessions.py``.
"""

from __future__ import annotations

from flask import Flask, Response, request

#: No inline script or style anywhere: every asset is a file served by us.
_CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def init_app(app: Flask) -> None:
    app.after_request(_harden)


def _harden(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.endpoint == "static" and response.mimetype != "image/svg+xml":
        # Our own scripts, styles and pictures: the policy, framing and referrer headers rule
        # documents (and workers, and an SVG opened on its own), not these. On 3G the ~400
        # bytes they cost each of a first visit's files add up.
        return response
    response.headers.setdefault("Content-Security-Policy", _CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint and request.endpoint != "static":
        # Pages carry personal data: never keep them in shared caches.
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response
