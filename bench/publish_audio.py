"""Time from publishing a document to the first audio a member can play, on the real server.

Starts `python -m handbook serve` (the embedded default: SQLite, jobs in the server, espeak-ng)
on a temporary instance with the demo data, then, as the demo secretary over the JSON API:

1. **published at once**: a meeting is published first, then a generated 20-page text PDF
   (bench/tts.py's report, a new seed each run so the speech cache never helps) is uploaded to
   it, so the document is published the moment it is uploaded. Measured from just before the
   upload request, as a member sees it (polling every 50 ms): text ready, first playable audio
   (``audio.json`` says ``playable``; the early part's bytes are then fetched and decoded to be
   sure), the whole track;
2. **uploaded, then published**: the PDF goes to a draft meeting; the meeting is published the
   moment its text is ready (the worst case: the voice has only just started); measured from
   the publish request to the first audio a member can play.

Run: .venv/bin/python bench/publish_audio.py [--runs 3] [--pages 20]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import miniaudio  # noqa: E402
import requests  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from bench.embedded import demo_server, signed_in  # noqa: E402
from bench.tts import report  # noqa: E402

SECRETARY, MEMBER = "0912000001", "0912000003"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
POLL_S = 0.05


def make_pdf(pages: int, seed: int) -> bytes:
    """A text PDF of ``pages`` pages of about 3,000 characters, wrapped to the page width."""
    pdfmetrics.registerFont(TTFont("DejaVu", FONT))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    width, height = A4
    for section in report(pages, seed=seed):
        y = height - 50
        for _n, text in section.paragraphs:
            line = ""
            for word in text.split():
                trial = f"{line} {word}".strip()
                if pdfmetrics.stringWidth(trial, "DejaVu", 10) > width - 100:
                    pdf.setFont("DejaVu", 10)
                    pdf.drawString(50, y, line)
                    y -= 13
                    line = word
                else:
                    line = trial
            pdf.setFont("DejaVu", 10)
            pdf.drawString(50, y, line)
            y -= 20
        pdf.showPage()
    pdf.save()
    return out.getvalue()


class Api:
    """The JSON API as one signed-in person (session cookie + CSRF header)."""

    def __init__(self, base: str, login: str) -> None:
        self.base, self.session = base, signed_in(base, login)
        self.me = self.get("/api/v1/me")
        self.csrf = self.me["csrf_token"]

    def get(self, path: str) -> Any:
        return self.raw_response(path).json()

    def raw(self, path: str) -> bytes:
        return self.raw_response(path).content

    def raw_response(self, path: str) -> requests.Response:
        response = self.session.get(f"{self.base}{path}", timeout=60)
        response.raise_for_status()
        return response

    def post(self, path: str, body: bytes, content_type: str = "application/json") -> Any:
        response = self.session.post(
            f"{self.base}{path}",
            data=body,
            headers={"Content-Type": content_type, "X-CSRFToken": self.csrf},
            timeout=120,
        )
        response.raise_for_status()
        return response.json()

    @property
    def branch(self) -> int:
        return int(
            next(
                m["organization"]["id"] for m in self.me["memberships"] if m["role"] == "secretary"
            )
        )

    def meeting(self, title: str) -> int:
        body = {"title": title, "starts_at": "2099-12-05T19:30:00+07:00", "agenda": ["Báo cáo"]}
        return int(
            self.post(f"/api/v1/organizations/{self.branch}/meetings", json.dumps(body).encode())[
                "id"
            ]
        )

    def publish(self, meeting: int) -> None:
        self.post(f"/api/v1/meetings/{meeting}/publish", b"{}")

    def upload(self, meeting: int, name: str, data: bytes) -> int:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{name}"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        kind = f"multipart/form-data; boundary={boundary}"
        return int(self.post(f"/api/v1/meetings/{meeting}/documents", body, kind)["id"])


def wait_for(check: Any, timeout: float = 600.0) -> float:
    """Poll ``check()`` every 50 ms; the perf_counter time it first held."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            if check():
                return time.perf_counter()
        except requests.HTTPError as error:
            if error.response is None or error.response.status_code != 404:
                raise  # else: not published (or no audio) yet
        time.sleep(POLL_S)
    raise TimeoutError("timed out")


def audio(api: Api, document: int) -> dict[str, Any]:
    return api.get(f"/documents/{document}/audio.json")


def playable_seconds(api: Api, info: dict[str, Any]) -> float:
    """Fetch the MP3 a member would get and decode it: it must really play."""
    data = api.raw(info["url"])
    return float(miniaudio.decode(data, nchannels=1, sample_rate=22050).duration)


DONE = ("ready", "failed")


def settle(secretary: Api) -> None:
    """Let the server read the demo's own documents aloud first: runs start on an idle server."""
    meetings = secretary.get(f"/api/v1/organizations/{secretary.branch}/meetings")["meetings"]
    for meeting in meetings:
        for document in secretary.get(f"/api/v1/meetings/{meeting['id']}")["documents"]:
            wait_for(lambda d=document["id"]: audio(secretary, d).get("status") in DONE)


def published_at_once(secretary: Api, member: Api, pages: int, seed: int) -> dict[str, float]:
    meeting = secretary.meeting(f"Bench phát hành ngay {seed}")
    secretary.publish(meeting)
    pdf = make_pdf(pages, seed)
    start = time.perf_counter()
    document = secretary.upload(meeting, f"bao-cao-{seed}.pdf", pdf)
    uploaded = time.perf_counter()
    text = wait_for(lambda: member.get(f"/api/v1/documents/{document}")["status"] == "ready")
    first = wait_for(lambda: audio(member, document).get("playable"))
    info = audio(member, document)
    heard = playable_seconds(member, info)
    whole = wait_for(lambda: audio(member, document).get("complete"))
    final = audio(member, document)
    return {
        "upload": uploaded - start,
        "text": text - start,
        "first": first - start,
        "first_after_text": first - text,
        "first_audio_s": heard,
        "whole": whole - start,
        "duration": final["duration"],
    }


def published_later(secretary: Api, member: Api, pages: int, seed: int) -> dict[str, float]:
    meeting = secretary.meeting(f"Bench công bố sau {seed}")
    document = secretary.upload(meeting, f"bao-cao-{seed}.pdf", make_pdf(pages, seed))
    wait_for(lambda: secretary.get(f"/api/v1/documents/{document}")["status"] == "ready")
    start = time.perf_counter()
    secretary.publish(meeting)
    first = wait_for(lambda: audio(member, document).get("playable"))
    playable_seconds(member, audio(member, document))
    wait_for(lambda: audio(member, document).get("complete"))
    return {"first": first - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()

    with demo_server(TTS_ENGINE="espeak") as base:
        secretary, member = Api(base, SECRETARY), Api(base, MEMBER)
        settle(secretary)
        at_once = [
            published_at_once(secretary, member, args.pages, seed=100 + n) for n in range(args.runs)
        ]
        later = [
            published_later(secretary, member, args.pages, seed=200 + n) for n in range(args.runs)
        ]

    def figures(runs: list[dict[str, float]], key: str) -> str:
        values = [r[key] for r in runs]
        return (
            f"median {statistics.median(values):6.2f} s  (runs: "
            + ", ".join(f"{v:.2f}" for v in values)
            + ")"
        )

    print(f"A {args.pages}-page text PDF, espeak-ng, one `serve` process (embedded default)")
    print(f"audio of the whole document: {at_once[0]['duration'] / 60:.1f} min")
    print("published at once (upload to a published meeting), from the upload request:")
    print(f"  upload answered            {figures(at_once, 'upload')}")
    print(f"  text ready                 {figures(at_once, 'text')}")
    print(f"  first playable audio       {figures(at_once, 'first')}")
    print(f"    of which after the text  {figures(at_once, 'first_after_text')}")
    print(f"    length of that first part {figures(at_once, 'first_audio_s')}")
    print(f"  whole track                {figures(at_once, 'whole')}")
    print("uploaded, then published the moment the text was ready, from the publish request:")
    print(f"  first playable audio       {figures(later, 'first')}")


if __name__ == "__main__":
    main()
