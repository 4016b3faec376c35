"""Which voice reads a branch's documents, for the pages that tell of it: the document page
offers the natural voice installed here ("Tạo lại bằng giọng tự nhiên": Piper when an
administrator installed one, else Google's), and the administrator's voices page lists which
voice read each branch's documents. Both answer signals of the domains below (``document_page``,
``voices_page``), which cannot read the recordings themselves."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from handbook.audio.models import AudioTrack
from handbook.core import db
from handbook.core.policy import Action, can
from handbook.documents.models import Document, DocumentStatus
from handbook.documents.routes import document_page
from handbook.orgs.models import Organization
from handbook.voices.routes import voices_page
from handbook.voices.settings import voice_dir
from tts.voice_files import active_voice


def natural_engine() -> str:
    """The engine a remake "with the natural voice" asks for: an installed Piper voice works
    without the internet, so it comes first; else Google's."""
    return "piper" if active_voice(voice_dir()) is not None else "gtts"


@document_page.connect
def _natural_voice(document: Document) -> dict[str, object]:
    """Only those who may remake the recording are offered it (the voice folder is read then)."""
    if document.status is not DocumentStatus.READY:
        return {}
    if not can(current_user, Action.DOCUMENT_MANAGE, document):
        return {}
    return {"natural_engine": natural_engine()}


@voices_page.connect
def _usage(_sender: object) -> dict[str, object]:
    """Each branch's finished recordings by the voice that read them."""
    # Imported here: the engines (and gTTS's client) load in the job worker, not at start.
    from tts.engines import voice_label

    rows = db.session.execute(  # the tree's order: a committee, then its branches
        sa.select(Organization.name, AudioTrack.engine, AudioTrack.voice, sa.func.count())
        .join(Document, AudioTrack.document_id == Document.id)
        .join(Organization, Document.organization_id == Organization.id)
        .where(AudioTrack.blob_sha256.is_not(None))
        .group_by(Organization.id, Organization.path, Organization.name)
        .group_by(AudioTrack.engine, AudioTrack.voice)
        .order_by(Organization.path, AudioTrack.engine)
    ).all()
    return {
        "usage": [
            {"organization": name, "voice": voice_label(engine or "", voice or ""), "documents": n}
            for name, engine, voice, n in rows
        ]
    }
