"""A push service of the test's own: a real HTTP server on 127.0.0.1 that checks each push as
FCM or Mozilla would (the VAPID JWT and its signature, the headers) and decrypts it with the
subscription's private key, as the browser would; and browsers' subscriptions made here with
cryptography's P-256.

Problems found in the server's thread are collected in ``problems`` (an assertion there would
not fail the test); every test asserts the list is empty.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask

#: What a plan entry may say: a status to answer, or "hang" (answer nothing for a while).
HANG = "hang"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """One browser's push subscription: its keys, what it should be answered, what it got."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    #: Answers to give, in order; 201 once they run out.
    plan: list[int | str] = field(default_factory=list)
    #: Every push that reached the service (answered whatever the plan said), decrypted.
    received: list[dict[str, Any]] = field(default_factory=list)
    #: Those answered 201: what the phone shows.
    delivered: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    @property
    def subscription(self) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives the page."""
        point = self.private_key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)},
        }


class PushService:
    def __init__(self, *, subject: str, ttl: int, hang_s: float) -> None:
        self.subject, self.ttl, self.hang_s = subject, ttl, hang_s
        self.browsers: dict[str, Browser] = {}
        self.problems: list[str] = []
        self.server_key: str | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def browser(self, *plan: int | str) -> Browser:
        """A new browser subscribed at this service, answered by ``plan``."""
        path = f"/push/{secrets.token_urlsafe(16)}"
        made = Browser(
            endpoint=self.origin + path,
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=secrets.token_bytes(16),
            plan=list(plan),
        )
        self.browsers[path] = made
        return made

    # --- the checks a real push service and browser make ------------------------------------

    def _check(self, browser: Browser, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        self._check_vapid(headers.get("authorization", ""))
        if headers.get("ttl") != str(self.ttl):
            self.problems.append(f"TTL {headers.get('ttl')!r}")
        topic = headers.get("topic", "")
        alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        if not (1 <= len(topic) <= 32 and set(topic) <= alphabet):
            self.problems.append(f"Topic {topic!r}")
        if headers.get("content-encoding") != "aes128gcm":
            self.problems.append(f"Content-Encoding {headers.get('content-encoding')!r}")
        if headers.get("urgency") not in ("very-low", "low", "normal", "high"):
            self.problems.append(f"Urgency {headers.get('urgency')!r}")
        plain = http_ece.decrypt(
            body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm"
        )
        return dict(json.loads(plain))

    def _check_vapid(self, authorization: str) -> None:
        scheme, _, rest = authorization.partition(" ")
        parts = dict(p.strip().split("=", 1) for p in rest.split(",") if "=" in p)
        if scheme.lower() != "vapid" or "t" not in parts or "k" not in parts:
            self.problems.append(f"Authorization {authorization!r}")
            return
        if self.server_key is not None and parts["k"] != self.server_key:
            self.problems.append("signed with another key than the page was given")
        head, claims, signature = parts["t"].split(".")
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
        raw = unb64url(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        try:
            key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            self.problems.append("VAPID signature does not verify")
        if json.loads(unb64url(head)).get("alg") != "ES256":
            self.problems.append("VAPID JWT is not ES256")
        body = json.loads(unb64url(claims))
        if body.get("aud") != self.origin:
            self.problems.append(f"aud {body.get('aud')!r}")
        if not time.time() < int(body.get("exp", 0)) <= time.time() + 24 * 3600:
            self.problems.append(f"exp {body.get('exp')!r}")
        if body.get("sub") != self.subject:
            self.problems.append(f"sub {body.get('sub')!r}")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                browser = service.browsers.get(self.path)
                if browser is None:
                    self._answer(404)
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    data = service._check(browser, headers, body)
                except Exception as exc:  # noqa: BLE001 - reported to the test
                    service.problems.append(f"{type(exc).__name__}: {exc}")
                    self._answer(400)
                    return
                with service._lock:
                    answer = browser.plan.pop(0) if browser.plan else 201
                    browser.received.append(data)
                    browser.headers.append(headers)
                if answer == HANG:
                    time.sleep(service.hang_s)
                    answer = 201
                elif answer == 201:
                    browser.delivered.append(data)
                self._answer(int(answer))

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler


def push_service(*, subject: str, ttl: int, hang_s: float) -> Iterator[PushService]:
    service = PushService(subject=subject, ttl=ttl, hang_s=hang_s)
    try:
        yield service
    finally:
        service.close()


#: What the test apps sign with and ask the service to keep (checked by the service).
SUBJECT = "mailto:thu-nghiem@example.org"
TTL = 86400


def push_app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """A test app told to accept the test's push service on 127.0.0.1 over http, and to give
    up on it fast; Huey's queue is emptied before and after."""
    from handbook.core import db
    from handbook.core.jobs import huey

    app = make_app(
        PUSH_SERVICE_HOSTS=["127.0.0.1"],
        PUSH_ALLOW_HTTP=True,
        PUSH_TIMEOUT_S=0.5,
        PUSH_MAX_ATTEMPTS=3,
        VAPID_SUBJECT=SUBJECT,
        PUSH_TTL_S=TTL,
    )
    huey.flush()
    with app.app_context():
        yield app
        db.session.remove()
    huey.flush()
    app.extensions["handbook.engine"].dispose()


def checked_push_service() -> Iterator[PushService]:
    """The push service, knowing the app's key; it must have seen no problem by the end."""
    from handbook.notifications.webpush import public_key

    for made in push_service(subject=SUBJECT, ttl=TTL, hang_s=1.5):
        made.server_key = public_key()
        yield made
        assert made.problems == []
