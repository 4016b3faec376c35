"""The blueprint ``api`` under ``/api/v1``: sign-in and CSRF for writes, errors as JSON, the
generated description, and a JSON 404 for any other path. The views live by resource in
``account``, ``meetings``, ``documents`` and ``comments``; ``routes`` gathers them.

Signed in with the session cookie; writes carry the CSRF token in ``X-CSRFToken`` (read it
from ``GET /api/v1/me``). Errors are ``{"error": {"status", "message"}}`` in Vietnamese.

A write without a session answers 401 before any CSRF check (the global check would say 400,
which tells an API client nothing); a signed-in write without the token still gets 400.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from flask_login import current_user
from werkzeug.wrappers import Response

from handbook.api.contract import PREFIX, BadRequest, operation, spec
from handbook.api.schemas import OpenAPIDocument
from handbook.comments.operations import CommentError
from handbook.core.extensions import csrf

bp = Blueprint("api", __name__, url_prefix=PREFIX)
# CSRF is checked below, after the sign-in check, so that a write without a session says 401.
csrf.exempt(bp)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@bp.errorhandler(BadRequest)
def _bad_request(error: BadRequest) -> tuple[Response, int]:
    return jsonify(error={"status": 400, "message": str(error)}), 400


@bp.errorhandler(CommentError)
def _comment_refused(error: CommentError) -> tuple[Response, int]:
    """The comment service's refusals carry their status (403, 404, 409, 429 …)."""
    return jsonify(error={"status": error.status, "message": error.message}), error.status


@bp.before_request
def _signed_in_writes() -> None:
    """Writes need a session (else 401), then the CSRF token (else 400, as on the pages)."""
    if request.method in _SAFE_METHODS:
        return
    if not current_user.is_authenticated:
        abort(401)
    config = current_app.config
    if config.get("WTF_CSRF_ENABLED", True) and config.get("WTF_CSRF_CHECK_DEFAULT", True):
        csrf.protect()


@bp.get("/openapi.json")
@operation(OpenAPIDocument, public=True)
def openapi() -> Response:
    """This description, generated from the views' contracts (OpenAPI 3.1)."""
    return jsonify(spec.spec)


@bp.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(_rest: str) -> Response:
    """Any other path under the prefix: a JSON 404, not the page's HTML."""
    abort(404)
