"""The WSGI entry point: ``app`` for a server, ``python wsgi.py`` for a quick local run.

For the real server use ``python -m handbook serve`` (gevent, Socket.IO, the worker).
"""

from handbook import create_app
from handbook.core.extensions import socketio

app = create_app()

if __name__ == "__main__":
    socketio.run(app, host=app.config["HOST"], port=app.config["PORT"], allow_unsafe_werkzeug=True)
