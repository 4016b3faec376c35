"""The administrator's page of voices: those installed, the one in use, the engines' order, and
(from the domains that make the recordings, by the ``voices_page`` signal) which voice read
each branch's documents."""

from __future__ import annotations

from blinker import Namespace
from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from handbook.core.policy import Action, require
from handbook.voices.policy import SERVER_VOICES
from handbook.voices.settings import shelf

bp = Blueprint("voices", __name__)

#: Sent to draw the page: each receiver returns the template variables it adds
#: (``usage``: rows of branch, voice label and documents read).
voices_page = Namespace().signal("voices.page")

_STEP = {
    "gtts": "giọng Google (gTTS), khi máy chủ kết nối được Internet",
    "piper": "giọng tự nhiên Piper đang dùng, nếu đã cài",
    "espeak": "giọng máy espeak-ng, luôn có",
}


@bp.get("/admin/voices")
@login_required
def index() -> str:
    require(current_user, Action.VOICES_MANAGE, SERVER_VOICES)
    # Imported here: the engines (and gTTS's client) load in the job worker, not at start.
    from tts.engines import engine_order, voice_label

    voices = shelf()
    active = voices.active()
    order = [_STEP[name] for name in engine_order(current_app.config["TTS_ENGINE_ORDER"])]
    parts: dict[str, object] = {"usage": None}
    for _receiver, part in voices_page.send(SERVER_VOICES):
        parts.update(part)
    return render_template(
        "voices/index.html",
        voices=voices.voices(),
        active=active,
        active_label=voice_label("piper", active.name) if active else None,
        order=order,
        fixed=current_app.config["TTS_ENGINE"],
        folder=voices.folder,
        **parts,
    )
