"""Writing to the audit log from anywhere, in the caller's transaction."""

from __future__ import annotations

import logging
from typing import Any

from flask import has_request_context, request

from handbook.audit.models import AuditLog
from handbook.core import db

logger = logging.getLogger(__name__)


def record(
    action: str,
    *,
    actor_id: int | None = None,
    target: Any = None,
    organization_id: int | None = None,
    **details: Any,
) -> AuditLog:
    """Add an audit entry; it is committed with the caller's other changes."""
    entry = AuditLog(
        action=action,
        actor_id=actor_id,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        organization_id=organization_id,
        ip=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(entry)
    logger.info("audit %s by %s on %s", action, actor_id, target)
    return entry
