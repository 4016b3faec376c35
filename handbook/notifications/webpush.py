"""Web Push: the server's VAPID key, which endpoints we post to, and posting a push there.

The VAPID key is taken from ``VAPID_PRIVATE_KEY`` (scaled out, every process signs alike) or
made once in the instance folder, owner-only, written aside and then linked into place so two
processes starting at once agree on one key. The page gets its public half (the
``applicationServerKey``) from ``GET /api/v1/push/key``.

An endpoint is a URL the browser chooses and the server then posts to, so it is the guard
against server-side request forgery: only ``https`` on the default port, a host among
``PUSH_SERVICE_HOSTS`` (no IP literal, no user info), and a bounded length.
"""

from __future__ import annotations

import base64
import enum
import ipaddress
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import current_app

from handbook.core.instancefiles import read_or_create
from handbook.notifications.messages import Message

if TYPE_CHECKING:
    from py_vapid import Vapid

#: Longest endpoint accepted (FCM's are about 200 characters, Apple's and Mozilla's longer).
MAX_ENDPOINT = 1024
_KEY_FILE = "vapid_private_key.pem"

logger = logging.getLogger(__name__)


class EndpointRefused(ValueError):
    """A subscription we will not post to; the message is for the member, in Vietnamese."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- the VAPID key ---------------------------------------------------------------------------


def vapid() -> Vapid:
    """The key that signs every push: from the settings, else the instance folder's."""
    # Imported here: py_vapid and cryptography load when a key is used, not at start (cold start).
    from py_vapid import Vapid

    configured = current_app.config.get("VAPID_PRIVATE_KEY")
    if configured and "-----BEGIN" in configured:
        # An environment variable may carry the PEM's line breaks as "\n".
        return Vapid.from_pem(configured.replace("\\n", "\n").encode())
    if configured:
        return Vapid.from_string(private_key=configured)  # base64url DER, or the raw 32 bytes
    return Vapid.from_pem(_instance_key(Path(current_app.instance_path) / _KEY_FILE))


def _instance_key(path: Path) -> bytes:
    """Read the key kept in the instance folder, making it (owner-only) on first use."""
    return read_or_create(path, _new_private_pem)


def _new_private_pem() -> bytes:
    # Imported here: py_vapid and cryptography load when a key is used, not at start (cold start).
    from py_vapid import Vapid

    fresh = Vapid()
    fresh.generate_keys()
    return bytes(fresh.private_pem())


def public_key() -> str:
    """The ``applicationServerKey``: base64url of the uncompressed public point (65 bytes)."""
    # Imported here: cryptography loads when a key is used, not at start (cold start).
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    point = vapid().public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return _b64url(point)


# --- which endpoints ---------------------------------------------------------------------------

REFUSED = "Địa chỉ nhận thông báo của trình duyệt này không được chấp nhận."
NOT_HTTPS = "Địa chỉ nhận thông báo phải dùng kết nối bảo mật (https)."
UNKNOWN_HOST = (
    "Trình duyệt này dùng một dịch vụ thông báo chưa được hỗ trợ. "
    "Hãy thử Chrome, Firefox, Edge hoặc Safari."
)
TOO_LONG = "Địa chỉ nhận thông báo dài quá mức cho phép."
BAD_KEYS = "Khóa mã hóa thông báo của trình duyệt không hợp lệ. Hãy tắt rồi bật lại thông báo."


def check_endpoint(endpoint: str) -> str:
    """The endpoint if we may post to it; raises ``EndpointRefused`` with the reason."""
    if not endpoint or len(endpoint) > MAX_ENDPOINT or not endpoint.isascii():
        raise EndpointRefused(TOO_LONG if len(endpoint) > MAX_ENDPOINT else REFUSED)
    if any(c.isspace() or ord(c) < 0x21 or c == "\\" for c in endpoint):
        raise EndpointRefused(REFUSED)
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError as exc:
        raise EndpointRefused(REFUSED) from exc
    config = current_app.config
    allow_http = bool(config.get("PUSH_ALLOW_HTTP"))
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        raise EndpointRefused(NOT_HTTPS)
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise EndpointRefused(REFUSED)
    host = (parts.hostname or "").rstrip(".")
    if not host or parts.fragment:
        raise EndpointRefused(REFUSED)
    if port is not None and port != 443 and not allow_http:
        raise EndpointRefused(REFUSED)
    if _is_ip(host) and host not in config["PUSH_SERVICE_HOSTS"]:
        raise EndpointRefused(REFUSED)
    if not _known_host(host, config["PUSH_SERVICE_HOSTS"]):
        raise EndpointRefused(UNKNOWN_HOST)
    return endpoint


def _is_ip(host: str) -> bool:
    """An address, in any form a resolver reads (``127.1``, ``2130706433``, ``0x7f.1``): the
    last label of a real name is never a number."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return bool(re.fullmatch(r"[0-9]+|0x[0-9a-f]*", host.rsplit(".", 1)[-1]))
    return True


def _known_host(host: str, allowed: list[str]) -> bool:
    for pattern in allowed:
        pattern = pattern.lower()
        if pattern.startswith("*."):
            suffix = pattern[1:]
            if host.endswith(suffix) and len(host) > len(suffix):
                return True
        elif host == pattern:
            return True
    return False


def check_keys(p256dh: str, auth: str) -> None:
    """The browser's keys must be a P-256 point and a 16-byte secret, or no push can be sealed."""
    # Imported here: cryptography loads when a key is checked, not at start (cold start).
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        point, secret = _unb64url(p256dh), _unb64url(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, TypeError) as exc:
        raise EndpointRefused(BAD_KEYS) from exc
    if len(point) != 65 or len(secret) != 16:
        raise EndpointRefused(BAD_KEYS)


# --- sending -----------------------------------------------------------------------------------


class Outcome(enum.Enum):
    SENT = "sent"
    #: The service no longer knows this subscription (404, 410): delete it.
    GONE = "gone"
    #: Worth another try later (429, 5xx, no connection, too slow).
    RETRY = "retry"
    #: Refused for good (400, 403, 413 …, or an endpoint no longer allowed): not retried.
    FAILED = "failed"


def _no_redirects_session() -> Any:
    """A requests session that never follows a redirect: a push service answers; it never
    sends us elsewhere (that would be a way around the endpoint check)."""
    # Imported here: requests loads in the job worker only (cold start).
    import requests

    class NoRedirects(requests.Session):
        def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            kwargs["allow_redirects"] = False
            return super().request(method, url, *args, **kwargs)

    return NoRedirects()


def send(endpoint: str, p256dh: str, auth: str, message: Message, key: Vapid) -> Outcome:
    """Encrypt the message for one subscription and post it to its push service."""
    # Imported here: pywebpush (and aiohttp, which it loads) in the job worker only (cold start).
    import pywebpush
    import requests

    config = current_app.config
    try:
        check_endpoint(endpoint)
    except EndpointRefused:
        logger.warning("push endpoint no longer allowed: %s", urlsplit(endpoint).hostname)
        return Outcome.FAILED
    claims: dict[str, str | int] = {"sub": config["VAPID_SUBJECT"]}  # aud and exp: pywebpush
    with _no_redirects_session() as session:
        try:
            response = pywebpush.webpush(
                {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
                data=message.body(),
                vapid_private_key=key,
                vapid_claims=claims,
                ttl=int(config["PUSH_TTL_S"]),
                timeout=float(config["PUSH_TIMEOUT_S"]),
                headers={"Topic": message.topic, "Urgency": message.urgency},
                requests_session=session,
            )
            status = int(getattr(response, "status_code", 201))
        except pywebpush.WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else 0
        except requests.RequestException as exc:
            logger.info("push to %s not delivered: %s", urlsplit(endpoint).hostname, exc)
            return Outcome.RETRY
    if 200 <= status < 300:
        return Outcome.SENT
    if status in (404, 410):
        return Outcome.GONE
    if status == 429 or status >= 500 or status == 0:
        return Outcome.RETRY
    logger.warning("push service %s refused a push: %s", urlsplit(endpoint).hostname, status)
    return Outcome.FAILED
