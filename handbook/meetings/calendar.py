"""An iCalendar (RFC 5545) event for a meeting, so members can add it to their phone's calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handbook.core.timeutil import utcnow
from handbook.meetings.models import Meeting

#: Branch meetings usually last about two hours.
_DURATION = timedelta(hours=2)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    data = line.encode()
    parts: list[str] = []
    while len(data) > 75:
        cut = 75 if not parts else 74
        while cut and (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(data[:cut].decode())
        data = data[cut:]
    parts.append(data.decode())
    return "\r\n ".join(parts)


def ics_for(meeting: Meeting, host: str) -> str:
    agenda = [f"{item.position}. {item.title}" for item in meeting.agenda]
    description = "\n".join([meeting.organization.name, *agenda])
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//So tay Dang vien dien tu//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.id}@{host.split(':')[0] or 'sotaydangvien'}",
        f"DTSTAMP:{_stamp(utcnow())}",
        f"DTSTART:{_stamp(meeting.starts_at)}",
        f"DTEND:{_stamp(meeting.starts_at + _DURATION)}",
        f"SUMMARY:{_escape(meeting.title)}",
        f"LOCATION:{_escape(meeting.place)}",
        f"DESCRIPTION:{_escape(description)}",
        f"STATUS:{'CANCELLED' if meeting.cancelled_at else 'CONFIRMED'}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT2H",
        f"DESCRIPTION:{_escape(meeting.title)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
