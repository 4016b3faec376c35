"""Jinja filters and globals: Vietnamese dates, the role and level labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask

from handbook.core.policy import Action, can
from handbook.core.timeutil import to_local

_WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


def vn_datetime(moment: datetime | None) -> str:
    """``19:30, Thứ Bảy 05/12/2026`` in Vietnam's time."""
    if moment is None:
        return ""
    local = to_local(moment)
    return f"{local:%H:%M}, {_WEEKDAYS[local.weekday()]} {local:%d/%m/%Y}"


def vn_datetime_iso(moment: str) -> str:
    """``vn_datetime`` of an ISO 8601 UTC time kept as text (``2026-12-01T00:52:26Z``: what
    the voice shelf, which knows no Flask, records); the text itself if it is not one."""
    try:
        return vn_datetime(datetime.fromisoformat(moment.replace("Z", "+00:00")))
    except ValueError:
        return moment


def vn_date(moment: datetime | None) -> str:
    return "" if moment is None else f"{to_local(moment):%d/%m/%Y}"


def human_size(size: int) -> str:
    """``50 MB``, ``1,5 MB``, ``900 KB``: sizes as Vietnamese readers write them."""
    if size >= 1024 * 1024:
        value, unit = size / (1024 * 1024), "MB"
    else:
        value, unit = size / 1024, "KB"
    text = f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{text} {unit}"


def can_in_template(user: Any, action: str, obj: Any) -> bool:
    """The policy's ``can`` for templates, which name actions by their string."""
    return can(user, Action(action), obj)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["can"] = can_in_template
    app.jinja_env.filters["vn_datetime"] = vn_datetime
    app.jinja_env.filters["vn_date"] = vn_date
    app.jinja_env.filters["vn_datetime_iso"] = vn_datetime_iso
    app.jinja_env.filters["filesize"] = human_size
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
