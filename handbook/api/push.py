"""Web Push for this browser: the server's key, and filing or dropping its subscription.

``static/js/push.js`` calls these after the member taps "Bật thông báo trên máy này". A
subscription is filed under the signed-in device it was made on; only its owner can drop it.
"""

from __future__ import annotations

from typing import Annotated

from flask import abort, jsonify
from flask_login import current_user, login_required
from pydantic import Field
from werkzeug.wrappers import Response

from handbook.accounts.sessions import current_device
from handbook.api.blueprint import bp
from handbook.api.contract import BadRequest, body, operation, query
from handbook.api.inputs import Body, Query
from handbook.api.schemas import Answer
from handbook.core import db
from handbook.notifications import subscriptions
from handbook.notifications.webpush import MAX_ENDPOINT, EndpointRefused, public_key

Endpoint = Annotated[str, Field(min_length=1, max_length=MAX_ENDPOINT)]


class PushKeys(Body):
    p256dh: Annotated[str, Field(min_length=1, max_length=100)]
    auth: Annotated[str, Field(min_length=1, max_length=40)]


class NewPushSubscription(Body):
    """The browser's ``PushSubscription.toJSON()``."""

    endpoint: Endpoint
    keys: PushKeys
    expirationTime: float | None = None  # noqa: N815 - the browser's own name


class PushEndpointQuery(Query):
    """Which subscription (DELETE has no body that every client and proxy passes on)."""

    endpoint: Endpoint


class PushKey(Answer):
    public_key: Annotated[
        str, Field(description="applicationServerKey: base64url of the uncompressed P-256 point")
    ]


class PushSubscribed(Answer):
    created: bool


class PushUnsubscribed(Answer):
    deleted: Annotated[int, Field(ge=0, le=1)]


@bp.get("/push/key")
@login_required
@operation(PushKey)
def push_key() -> Response:
    """The server's public VAPID key, for ``pushManager.subscribe``."""
    return jsonify(public_key=public_key())


@bp.post("/push/subscriptions")
@login_required
@operation(
    PushSubscribed,
    status=201,
    description="Đã bật thông báo trên máy này",
    json=NewPushSubscription,
    extra_ok=((200, "Đã bật từ trước (cùng địa chỉ): cập nhật"),),
)
def subscribe() -> tuple[Response, int]:
    """File this browser's push subscription under the signed-in device (refused, 400, for a
    push service that is not a known one)."""
    data = body(NewPushSubscription)
    device = current_device()
    if device is None:
        abort(401)
    try:
        created = subscriptions.subscribe(
            current_user.id,
            device,
            endpoint=data.endpoint,
            p256dh=data.keys.p256dh,
            auth=data.keys.auth,
        )
    except EndpointRefused as exc:
        raise BadRequest(str(exc)) from exc
    db.session.commit()
    return jsonify(created=created), 201 if created else 200


@bp.delete("/push/subscriptions")
@login_required
@operation(PushUnsubscribed, query=PushEndpointQuery)
def unsubscribe() -> Response:
    """Stop pushes to this browser, ``?endpoint=`` (one's own subscription only: another's is
    left alone)."""
    deleted = subscriptions.unsubscribe(current_user.id, query(PushEndpointQuery).endpoint)
    db.session.commit()
    return jsonify(deleted=deleted)
