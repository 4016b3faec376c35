"""The reference for ``bench/pages.py``: a hello view on the very server ``serve`` runs.

A page's cost is only meaningful beside the floor of the stack it runs on, measured in the same
run on the same (shared, noisy) machine: gevent's WSGI server as Flask-SocketIO builds it, with
the project's connection handler (``handbook/core/serving.py``) and the access log on, exactly
as ``python -m handbook serve`` does, serving a Flask app whose one view returns a small HTML
page. No database, no session, no template: what is left is the server, Werkzeug and Flask.

This is a bench-only app, never a product route. Run: ``python bench/hello_server.py PORT``.
"""

from __future__ import annotations

# Patch the standard library first, as ``python -m handbook serve`` does (handbook/__main__.py).
from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402 - after the patching above
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO  # noqa: E402

from handbook.core import serving  # noqa: E402

#: About the size of a short page's head and greeting: small, so the floor is the stack's.
HELLO = (
    "<!doctype html><html lang=vi><head><meta charset=utf-8>"
    "<title>Xin chào</title></head><body><h1>Xin chào, đồng chí!</h1></body></html>"
)


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/hello")
    def hello() -> str:
        return HELLO

    return app


def main() -> None:
    port = int(sys.argv[1])
    app = create_app()
    socketio = SocketIO(app, async_mode="gevent")
    # The same limits ``serve`` has with SERVE_MAX_CONNECTIONS_PER_IP=0 (every load client
    # comes from 127.0.0.1, as in bench/embedded.py).
    handler = serving.handler_class(
        serving.Limits(header_timeout=10.0, idle_timeout=60.0, max_per_peer=0)
    )
    socketio.run(app, host="127.0.0.1", port=port, log_output=True, handler_class=handler)


if __name__ == "__main__":
    main()
