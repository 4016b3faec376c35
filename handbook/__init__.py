"""Sổ tay Đảng viên điện tử: the Flask application factory."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from handbook.core.config import Config, _bool
from handbook.core.instancefiles import read_or_create

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type | Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the given config, then extensions, then blueprints."""
    # Templates sit at the top level beside docs_store/ and tts/ (DESIGN.md), not in the package.
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("HANDBOOK_INSTANCE") or None,
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_object(Config)
    if isinstance(config, Mapping):
        app.config.from_mapping(config)
    elif config is not None:
        app.config.from_object(config)
    if app.config.get("INSTANCE_PATH"):
        app.instance_path = str(app.config["INSTANCE_PATH"])

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _fill_instance_defaults(app)
    if app.config["PROXY_COUNT"]:
        # Behind nginx: the members' own addresses (throttling, session protection) and scheme.

        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING").upper())

    # Imported here, not at the top: every module of the package imports ``handbook`` (this
    # file) first, so importing the domains at module level would be a cycle through the root;
    # and ``python -m handbook serve`` loads this file before ``__main__`` patches the standard
    # library for gevent, so the app's modules must not load until the app is built.
    from handbook import domains
    from handbook.core import (
        assets,
        compression,
        csrf,
        db,
        extensions,
        inputs,
        jobevents,
        jobs,
        security,
        templating,
    )

    # Bounded ids for every <int:…> rule and named multipart parts: before any rule is added.
    inputs.init_app(app)
    db.init_app(app)
    jobs.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    compression.init_app(app)
    # Static files hashed and compressed once, before the first request (issue #10).
    assets.init_app(app)
    extensions.csrf.init_app(app)
    # The signed token reused for an hour: unchanged pages render the same (their ETag holds).
    csrf.init_app(app)
    extensions.limiter.init_app(app)
    # Importing ``domains`` (above) registered every socket handler: they must be registered
    # before the first socketio.init_app. Flask-SocketIO replays its list of handlers into every
    # new server, but a handler added after a server exists goes to that one server only (and a
    # second app, as in tests, would lack it).

    # The SocketIO singleton keeps the previous app's queue manager in its options; an app
    # without REDIS_URL must not inherit one (several apps per process: tests, CLI).
    # (server_options and server are left out of types-Flask-SocketIO on purpose.)
    extensions.socketio.server_options.pop("client_manager", None)  # type: ignore[attr-defined]
    # Embedded, serve and the job worker it starts pass events over a socket pair instead of
    # Redis (core/jobevents.py): serve hears, the worker tells.
    manager = jobevents.manager(
        redis=bool(app.config["REDIS_URL"]),
        serve=app.config["SOCKETIO_ASYNC_MODE"] == "gevent"
        and app.config["SERVER_JOB_WORKERS"] > 0,
    )
    extensions.socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["REDIS_URL"],
        channel=_queue_channel(app),
        **({"client_manager": manager} if manager is not None else {}),
        # None is engineio's same-origin check (scheme and Host of the request); an empty
        # list would switch the check off altogether. (types-Flask-SocketIO omits None.)
        cors_allowed_origins=None,  # type: ignore[arg-type]
        # A comment is at most 5,000 characters (< 20 KB in UTF-8); refuse anything far larger.
        max_http_buffer_size=64 * 1024,
    )
    from handbook.core import fanout

    # Room broadcasts framed once and written at once to websocket readers (issue #5).
    server = extensions.socketio.server  # type: ignore[attr-defined]
    fanout.install(server, enabled=app.config["SOCKETIO_FAST_FANOUT"])

    from handbook import cli
    from handbook.api import routes as api_routes
    from handbook.core import errors
    from handbook.pages import home, manifest, offline

    domains.init_app(app)
    for blueprint in (api_routes.bp, home.bp, manifest.bp, offline.bp):
        app.register_blueprint(blueprint)
    errors.init_app(app)
    cli.init_app(app)
    return app


def _fill_instance_defaults(app: Flask) -> None:
    """Settings whose defaults live in the instance folder: the database file and the secret key."""
    instance = Path(app.instance_path)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'handbook.db'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    storage = app.config["REDIS_URL"] or "memory://"
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage)
    app.config.setdefault("SOCKETIO_ASYNC_MODE", _async_mode())
    app.config.setdefault("SOCKETIO_FAST_FANOUT", _bool("SOCKETIO_FAST_FANOUT", True))


def _queue_channel(app: Flask) -> str:
    """The Redis pub/sub channel of this deployment: Redis ignores the db number for pub/sub,
    so two deployments sharing one Redis must not share a channel. Every process of one
    deployment has the same database, so they agree without being told."""
    import hashlib

    database = app.config["DATABASE_URL"].encode()
    return (
        app.config.get("SOCKETIO_CHANNEL")
        or f"handbook-{hashlib.sha256(database).hexdigest()[:12]}"
    )


def _instance_secret(path: Path) -> str:
    """Read the key kept in the instance folder, creating it (owner-only) on first start."""
    return read_or_create(path, lambda: secrets.token_hex(32).encode()).decode().strip()


def _async_mode() -> str:
    """gevent when the process was patched for it (``serve``), plain threads otherwise."""
    try:  # only asked here: a process that is not serve never needs gevent loaded
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a pinned dependency
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"
