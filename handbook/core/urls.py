"""Site-relative paths that can be built anywhere, jobs included (no request, no SERVER_NAME)."""

from __future__ import annotations

from typing import Any

from flask import current_app


def path_for(endpoint: str, **values: Any) -> str:
    return current_app.url_map.bind("localhost").build(endpoint, values)
