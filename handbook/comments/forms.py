"""The comment forms that work without JavaScript: post through the service, then go back."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect
from flask_login import current_user
from werkzeug.wrappers import Response

from handbook.comments import service
from handbook.comments.operations import CommentError


def post_and_return(data: dict[str, Any], page: str, *, on_error_anchor: str) -> Response:
    """Store the comment (a resubmitted form stores nothing twice) and show it on ``page``."""
    try:
        result = service.post(current_user, data)
    except CommentError as error:
        if error.status == 404:
            abort(404)
        flash(error.message, "error")
        return redirect(page + on_error_anchor)
    return redirect(page + f"#c-{result['comment']['id']}")
