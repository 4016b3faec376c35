"""Who may see the server's voices: platform administrators, and nobody else (no rule below
lets anyone in; the policy's administrator clause does)."""

from __future__ import annotations

from typing import Any

from handbook.core.policy import Action, rule


class ServerVoices:
    """The voices of this server, as the one object the policy is asked about."""


SERVER_VOICES = ServerVoices()


@rule(ServerVoices, view=Action.VOICES_MANAGE)
def _decide(_actor: Any, _action: Action, _voices: ServerVoices) -> bool:
    return False
