"""Configuration read from the environment, with defaults that need no other service."""

from __future__ import annotations

import os
from datetime import timedelta


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Production defaults: the embedded mode (SQLite and local files) unless told otherwise.

    Values that depend on the instance folder (the SQLite path, the secret key file) are filled
    in by ``create_app`` once Flask knows where that folder is; this class never touches disk.
    """

    SECRET_KEY: str | None = os.environ.get("SECRET_KEY") or None
    #: ``None`` means "an SQLite file in the instance folder".
    DATABASE_URL: str | None = os.environ.get("DATABASE_URL") or None
    #: Set to scale out: Socket.IO message queue, Huey and rate limits move to Redis.
    REDIS_URL: str | None = os.environ.get("REDIS_URL") or None
    #: Reverse proxies in front (nginx: 1) whose X-Forwarded-* headers are trusted; 0 for none.
    PROXY_COUNT: int = int(os.environ.get("PROXY_COUNT", "0"))
    HOST: str = os.environ.get("HOST", "127.0.0.1")
    PORT: int = int(os.environ.get("PORT", "5000"))
    #: ``serve`` closes a client that has not sent a whole request head within this time...
    SERVE_HEADER_TIMEOUT_S = float(os.environ.get("SERVE_HEADER_TIMEOUT_S", "10"))
    #: ... a keep-alive connection with no new request, or a request body with no new byte.
    SERVE_IDLE_TIMEOUT_S = float(os.environ.get("SERVE_IDLE_TIMEOUT_S", "60"))
    #: Open connections one peer address may have on ``serve`` (0: no bound). Behind a proxy
    #: the peer is the proxy, so the default is then 0 and nginx limits each member instead.
    SERVE_MAX_CONNECTIONS_PER_IP = int(
        os.environ.get("SERVE_MAX_CONNECTIONS_PER_IP") or (0 if PROXY_COUNT else 50)
    )

    # Sessions and cookies: a stolen cookie should not outlive its purpose.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: Cookies are ``Secure`` on every HTTPS request anyway; this forces it on plain HTTP too.
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = timedelta(days=7)

    # CSRF tokens live as long as a long form fill on a slow phone.
    WTF_CSRF_TIME_LIMIT = 4 * 3600

    #: Failed sign-ins for one name (known or not) before each further one doubles the wait
    #: (1 s, 2 s, 4 s … up to LOGIN_MAX_DELAY_S); from one address, which may be a carrier's
    #: shared address for a whole commune, more are free. Forgotten after a quiet day.
    LOGIN_FREE_FAILURES = int(os.environ.get("LOGIN_FREE_FAILURES", "5"))
    LOGIN_FREE_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FREE_FAILURES_PER_ADDRESS", "30"))
    LOGIN_MAX_DELAY_S = int(os.environ.get("LOGIN_MAX_DELAY_S", "300"))
    LOGIN_FORGET_AFTER_S = int(os.environ.get("LOGIN_FORGET_AFTER_S", "86400"))
    #: Per-address throttle on the sign-in form, in the ``limits`` notation.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "20 per minute")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # When Redis (the limits' shared storage) is down, count in memory rather than fail.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True

    #: Largest upload accepted, in bytes (also caps CSV imports).
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "50")) * 1024 * 1024
    #: A member import larger than this is refused whole.
    IMPORT_MAX_ROWS = 10_000
    #: Where static files' compressed copies are kept between starts (core/assets.py);
    #: ``None`` means ``instance/static-cache``.
    STATIC_CACHE_DIR: str | None = os.environ.get("STATIC_CACHE_DIR") or None
    #: Where uploaded files are kept; ``None`` means ``instance/blobs``.
    DOCS_STORE_ROOT: str | None = os.environ.get("DOCS_STORE_ROOT") or None
    #: Limits for the child process that reads an uploaded file.
    EXTRACT_TIMEOUT_S = int(os.environ.get("EXTRACT_TIMEOUT_S", "600"))
    #: ... plus this much for each scanned page read by OCR (5-8 s a page on a small server).
    EXTRACT_OCR_PAGE_TIMEOUT_S = float(os.environ.get("EXTRACT_OCR_PAGE_TIMEOUT_S", "30"))
    EXTRACT_MEMORY_MB = int(os.environ.get("EXTRACT_MEMORY_MB", "1024"))
    EXTRACT_MAX_PAGES = int(os.environ.get("EXTRACT_MAX_PAGES", "2000"))
    #: Comments one member may post, in the ``limits`` notation (several limits: ";").
    COMMENT_RATE_LIMIT = os.environ.get("COMMENT_RATE_LIMIT", "10 per minute; 120 per hour")
    #: The voice: ``auto`` (the first of TTS_ENGINE_ORDER that can speak now), ``gtts``,
    #: ``piper`` or ``espeak``.
    TTS_ENGINE = os.environ.get("TTS_ENGINE", "auto")
    #: ``auto``'s order: gTTS when it answers, else the installed Piper voice, else espeak-ng.
    TTS_ENGINE_ORDER = os.environ.get("TTS_ENGINE_ORDER", "gtts,piper,espeak")
    #: Piper voices the administrator installed (``python -m handbook voices add``); ``None``
    #: means ``voices`` beside the recordings (DOCS_STORE_ROOT, else instance/blobs), which
    #: every worker sees when several machines serve.
    TTS_VOICE_DIR: str | None = os.environ.get("TTS_VOICE_DIR") or None
    #: Silence between the sentences Piper finds inside one of ours, in seconds.
    TTS_PIPER_SENTENCE_PAUSE_S = float(os.environ.get("TTS_PIPER_SENTENCE_PAUSE_S", "0.25"))
    #: Languages a Piper voice may read to be installed, comma-separated (tests add "en", for
    #: the packaged English voice that stands in for a Vietnamese one; a branch of an ethnic
    #: minority could add its language's voice the same way).
    TTS_VOICE_LANGUAGES: tuple[str, ...] = tuple(
        code.strip()
        for code in os.environ.get("TTS_VOICE_LANGUAGES", "vi").split(",")
        if code.strip()
    ) or ("vi",)
    #: Read every document aloud as soon as its text is ready.
    AUDIO_AUTO = _bool("AUDIO_AUTO", True)
    #: Spoken sentences kept for re-publishing edited documents (least recently used go first).
    TTS_CACHE_MAX_MB = float(os.environ.get("TTS_CACHE_MAX_MB", "1024"))
    #: Members who have not read or listened to a meeting's documents are reminded this many
    #: hours before it starts (once; not when the meeting was published inside that window).
    REMINDER_BEFORE_H = float(os.environ.get("REMINDER_BEFORE_H", "24"))
    #: Run jobs inline instead of queueing them (tests).
    JOBS_IMMEDIATE = False
    #: Job workers of the embedded mode, in a child process that ``serve`` starts, stops and
    #: restarts (core/jobprocess.py); 0 when separate ``worker`` processes run.
    SERVER_JOB_WORKERS = int(os.environ.get("SERVER_JOB_WORKERS", "2"))
    #: How much lower that child's CPU priority is than ``serve``'s (``nice``; 0 to 19).
    SERVER_JOB_NICE = int(os.environ.get("SERVER_JOB_NICE", "19"))

    # --- Web Push (handbook/notifications/webpush.py) -----------------------------------------
    #: The VAPID key that signs every push, as PEM or base64url; ``None`` makes one in the
    #: instance folder on first use (scaled out, set it so every process signs alike).
    VAPID_PRIVATE_KEY: str | None = os.environ.get("VAPID_PRIVATE_KEY") or None
    #: Who runs this server, for the push services (``mailto:`` or ``https:``); Apple refuses
    #: a ``localhost`` one, so a real deployment sets its own.
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:quantri@example.org")
    #: The only hosts a subscription's endpoint may name ("*." for any subdomain): an endpoint
    #: is a URL the browser chooses, and the server posts to it.
    PUSH_SERVICE_HOSTS: list[str] = [
        h.strip()
        for h in os.environ.get(
            "PUSH_SERVICE_HOSTS",
            "fcm.googleapis.com,updates.push.services.mozilla.com,push.services.mozilla.com,"
            "web.push.apple.com,*.push.apple.com,*.notify.windows.com",
        ).split(",")
        if h.strip()
    ]
    #: Tests only: accept ``http://`` endpoints on any port (a push service of the test's own,
    #: named in ``PUSH_SERVICE_HOSTS``); never set in production.
    PUSH_ALLOW_HTTP = _bool("PUSH_ALLOW_HTTP", False)
    #: How long a push service keeps a push for a phone that is off, in seconds.
    PUSH_TTL_S = int(os.environ.get("PUSH_TTL_S", "86400"))
    #: Tries per push before giving up on a subscription, and the wait before the second
    #: (doubled each time after).
    PUSH_MAX_ATTEMPTS = int(os.environ.get("PUSH_MAX_ATTEMPTS", "5"))
    PUSH_RETRY_DELAY_S = float(os.environ.get("PUSH_RETRY_DELAY_S", "60"))
    #: How long one request to a push service may take.
    PUSH_TIMEOUT_S = float(os.environ.get("PUSH_TIMEOUT_S", "10"))
    # --- end of Web Push ------------------------------------------------------------------------

    # --- Offline and weak networks (handbook/pages/offline.py, static/js/sw.js) ---------------
    #: A page (or a timing map) kept on the phone is shown when the network has not answered
    #: within this time; the network answer still comes, replaces it in place and is kept.
    OFFLINE_NETWORK_DEADLINE_S = float(os.environ.get("OFFLINE_NETWORK_DEADLINE_S", "2.5"))
    #: A page never kept waits this long for the network before the offline page is shown
    #: (and is still shown in its place if it arrives later).
    OFFLINE_NETWORK_GIVE_UP_S = float(os.environ.get("OFFLINE_NETWORK_GIVE_UP_S", "30"))
    #: Recordings a meeting pack may keep on one phone, in total (MB).
    OFFLINE_AUDIO_BUDGET_MB = float(os.environ.get("OFFLINE_AUDIO_BUDGET_MB", "200"))
    # --- end of offline -------------------------------------------------------------------------

    TESTING = False


class TestConfig(Config):
    """Settings for the test suite; tests pass their own DATABASE_URL and instance folder."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - test-only key
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    REDIS_URL = None
    JOBS_IMMEDIATE = True
    #: Tests that are about audio turn it on; the others need not wait for a voice.
    AUDIO_AUTO = False
    TTS_ENGINE = "espeak"
