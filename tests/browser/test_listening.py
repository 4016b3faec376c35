"""A member listens on a phone as in a podcast app: the voice plays, the sentence being read is
highlighted in its paragraph and the chapter (the document's heading) follows it; a whole
meeting plays as one playlist, controlled from the lock screen (the Media Session) and by
dragging the seek bar; after a reload the page offers to continue where they stopped."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE_VIEWPORT
from tests.browser.helpers import create_meeting, phone_page, sign_in
from tests.browser.helpers import poll as _poll
from tests.browser.look import measure

#: Each waits for a document read aloud by espeak-ng on 2 shared cores (up to 180 s of its own
#: deadlines under a loaded suite): more than the suite's default 120 s.
pytestmark = pytest.mark.timeout(300)

#: The lock screen's and headphones' buttons call what the page registered with
#: navigator.mediaSession.setActionHandler; Chromium keeps no list a test could read, so this
#: notes each handler as the page registers it (before any of the page's scripts run).
RECORD_MEDIA_HANDLERS = """
(() => {
  const session = navigator.mediaSession;
  if (!session) return;
  const register = session.setActionHandler.bind(session);
  window.mediaHandlers = {};
  session.setActionHandler = (action, handler) => {
    window.mediaHandlers[action] = handler;
    return register(action, handler);
  };
})();
"""

_SAID = "() => { const m = document.querySelector('mark.said'); return m && m.textContent; }"
_CHAPTER = "() => document.getElementById('player-chapter').selectedOptions[0].text"
_NOW_PLAYING = (
    "() => navigator.mediaSession.playbackState === 'playing' && "
    "navigator.mediaSession.metadata && navigator.mediaSession.metadata.title"
)


def _shots(artifacts_dir: Path) -> Path:
    """``test-artifacts/look/``, where the look tests keep their screenshots too."""
    folder = artifacts_dir / "look"
    folder.mkdir(exist_ok=True)
    return folder


def _becomes(page: Any, script: str, value: str, timeout: float = 30) -> bool:
    """Whether ``script`` (a function of no argument) comes to return ``value``."""
    return bool(_poll(page, f"() => ({script})() === {json.dumps(value)}", timeout=timeout))


def _drag_seek_bar(page: Any, x: float) -> None:
    """A finger on the seek bar's thumb, slid to ``x`` and lifted (touch events, as a phone's)."""
    bar = page.locator("#player-seek").bounding_box()
    y = bar["y"] + bar["height"] / 2
    start = page.evaluate(
        "() => { const s = document.getElementById('player-seek'), r = s.getBoundingClientRect();"
        " return r.left + 12 + (r.width - 24) * s.value / s.max; }"
    )
    touch = page.context.new_cdp_session(page)
    touch.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": start, "y": y}]}
    )
    for step in range(1, 11):
        at = start + (x - start) * step / 10
        touch.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": at, "y": y}]}
        )
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    touch.detach()


def test_the_highlight_follows_the_voice_and_the_place_is_kept(
    page: Any, live_server: str, artifacts_dir: Path
) -> None:
    sign_in(page, live_server, "0912000003")
    page.get_by_role("region", name="Buổi sinh hoạt sắp tới").get_by_role("link").first.click()
    page.get_by_role("link", name="Báo cáo kết quả thực hiện nhiệm vụ tháng 11").click()
    # The server reads the demo documents aloud in the background; the page follows it live.
    start = page.get_by_role("button", name="Nghe tài liệu")
    expect(page.locator("#listen-note")).to_contain_text("Giọng đọc", timeout=120_000)
    expect(start).to_be_visible()

    start.click()
    expect(page.locator("#player")).to_be_visible()
    speed = page.locator("#player-speed")
    for _ in range(3):  # 1× → 1,25× → 1,5× → 2×: one large button
        speed.click()
    expect(speed).to_have_accessible_name("Tốc độ 2×")
    first = _poll(page, "() => { const r = document.querySelector('.reading'); return r && r.id; }")
    assert first, "no paragraph was highlighted"
    # The sentence strongly, inside its paragraph (softly): a sentence of the timing map.
    sentences = page.evaluate(
        "() => fetch(location.pathname + '/audio.json').then(r => r.json())"
        ".then(b => b.timings.sentences.map(s => s.text))"
    )
    said = _poll(page, _SAID)
    assert said in sentences
    assert page.locator(".reading mark.said").count() == 1
    # The chapters are the document's headings, and the label follows the voice.
    chapters = page.locator("#player-chapter option").all_text_contents()
    assert chapters[1:] == [
        "1. Công tác xây dựng Đảng",
        "2. Phát triển kinh tế – xã hội",
        "3. Chuyển đổi số",
    ]
    assert page.locator("#player-marks i").count() == 3  # a mark on the bar for each
    assert _poll(page, f"() => ({_CHAPTER})() === '1. Công tác xây dựng Đảng'", timeout=60)
    seek = page.locator("#player-seek")
    spoken = r"(\d+ (giờ|phút|giây) ?)+"  # "3 phút 5 giây trên 10 phút"
    assert re.fullmatch(f"{spoken} trên {spoken}", seek.get_attribute("aria-valuetext") or "")
    later = _poll(
        page,
        f"() => {{ const r = document.querySelector('.reading'); "
        f"return r && r.id !== '{first}' && r.id; }}",
        timeout=60,
    )
    assert later and int(later.split("-")[1]) > int(first.split("-")[1])
    assert page.evaluate("() => document.getElementById('audio').currentTime") > 1
    page.wait_for_timeout(1000)  # a photograph after the smooth scroll to the sentence
    page.screenshot(path=_shots(artifacts_dir) / "member-listening-360.png")
    assert measure(page)[0] == []  # the player's controls ≥ 48 px, its text ≥ 18 px

    page.get_by_role("button", name="Tạm dừng").click()  # reports the position
    page.wait_for_timeout(1000)
    page.reload()
    expect(page.get_by_role("button", name=re.compile(r"Nghe tiếp từ \d+:\d\d"))).to_be_visible(
        timeout=15_000
    )


#: A sentence of the timing map crossing a word OCR was unsure of (a ``mark.unsure`` in a
#: manager's paragraph), and its paragraph's words as the page shows them, links left out.
_MARKED_SENTENCE = """
(sentences) => {
  for (const p of document.querySelectorAll("article.reader [data-n]")) {
    const marks = [...p.querySelectorAll("mark.unsure")];
    if (!marks.length || !p.querySelector("a.fix")) continue;
    let words = "", at = [];
    const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (node.parentNode.closest("a")) continue;
      if (node.parentNode.closest("mark.unsure")) at.push(words.length);
      words += node.data;
    }
    const n = Number(p.dataset.n);
    const s = sentences.find((s) => s.paragraph === n && s.text.length > 20
      && words.substr(s.offset, s.text.length) === s.text
      && at.some((i) => s.offset <= i && i < s.offset + s.text.length));
    if (s) return {n, start: s.start, text: s.text, html: p.innerHTML};
  }
  return null;
}
"""
_SAID_ALL = "() => [...document.querySelectorAll('mark.said')].map(m => m.textContent).join('')"


def test_a_managers_highlight_covers_the_sentence_across_unsure_words(
    page: Any, live_server: str, artifacts_dir: Path
) -> None:
    """The commune's officer manages the demo's scanned notice: its paragraphs hold the words
    OCR was unsure of (marks) and a "Sửa" link. The sentence being read is highlighted whole,
    inside the marks too, never the link; moving on leaves the paragraph as it was drawn."""
    sign_in(page, live_server, "0912000021")
    page.get_by_role("link", name="Hội nghị học tập, quán triệt nghị quyết").first.click()
    page.get_by_role("link", name="Thông báo học tập, quán triệt nghị quyết").click()
    expect(page.locator("#listen-note")).to_contain_text("Giọng đọc", timeout=120_000)
    expect(page.locator("article.reader mark.unsure").first).to_be_visible()
    sentences = page.evaluate(
        "() => fetch(location.pathname + '/audio.json').then(r => r.json())"
        ".then(b => b.timings.sentences)"
    )
    found = page.evaluate(_MARKED_SENTENCE, sentences)
    assert found, "no sentence of the timing map crosses a marked word"
    paragraph = page.locator(f"#p-{found['n']}")

    page.get_by_role("button", name="Nghe tài liệu").click()
    expect(page.locator("#player")).to_be_visible()
    # The voice at that sentence, held there (paused): the highlight follows the position.
    page.evaluate(
        "(t) => { const a = document.getElementById('audio'); a.pause(); a.currentTime = t; }",
        found["start"] + 0.05,
    )
    assert _becomes(page, _SAID_ALL, found["text"]), page.evaluate(_SAID_ALL)
    assert paragraph.locator("mark.unsure mark.said").count() >= 1  # inside the marks too
    assert paragraph.locator("a mark.said").count() == 0  # never the "Sửa" link's words
    expect(paragraph.locator("a.fix")).to_have_text(f"Sửa đoạn {found['n']}")
    expect(paragraph).to_have_class(re.compile(r"\breading\b"))
    paragraph.scroll_into_view_if_needed()
    page.screenshot(path=_shots(artifacts_dir) / "manager-listening-unsure-360.png")

    # A sentence of another paragraph: this one is drawn as it was.
    elsewhere = next(s for s in sentences if s["paragraph"] != found["n"])
    page.evaluate(
        "(t) => { document.getElementById('audio').currentTime = t; }", elsewhere["start"] + 0.05
    )
    assert _poll(page, f"() => !document.querySelector('#p-{found['n']} mark.said')")
    assert paragraph.evaluate("p => p.innerHTML") == found["html"]


LONG_TEXT = "\n\n".join(
    f"Mục {n}. Ngày {n % 28 + 1}/{n % 12 + 1}/2026, Chi bộ thôn Khuổi Luông đã họp bàn việc "
    f"trồng {n * 3} ha chè Shan tuyết và hỗ trợ {n + 2} hộ làm nhà. UBND xã giao chỉ tiêu cho "
    "từng tổ, đồng thời đôn đốc các hộ dân cài đặt ứng dụng VNeID trước kỳ họp tới."
    for n in range(1, 121)
)


def test_a_long_document_plays_before_its_audio_is_finished(
    browser: Any, live_server: str, artifacts_dir: Path, tmp_path: Path
) -> None:
    """Seconds after a long document is read, its beginning plays; the page learns live when
    the whole track is ready and moves to it at the same place."""
    page = phone_page(browser)
    sign_in(page, live_server, "0912000011")
    create_meeting(
        page,
        live_server,
        title="Sinh hoạt thường kỳ tháng 1",
        day="2099-01-05",
        place="Nhà văn hóa thôn",
        agenda="Báo cáo tình hình",
    )
    text = tmp_path / "bao-cao-dai.txt"
    text.write_text(LONG_TEXT, encoding="utf-8")
    page.locator("#files").set_input_files(str(text))
    page.get_by_role("button", name="Tải lên").click()
    expect(page.locator("li.doc[data-status=ready]")).to_have_count(1, timeout=60_000)
    page.locator("li.doc a").first.click()

    note = page.locator("#listen-note")
    expect(note).to_contain_text("đang đọc tiếp", timeout=30_000)
    expect(page.locator("#player-download")).to_be_hidden()  # no half file to take away
    page.get_by_role("button", name="Nghe tài liệu").click()
    first = _poll(page, "() => { const r = document.querySelector('.reading'); return r && r.id; }")
    assert first == "p-1"
    early_src = page.evaluate("() => document.getElementById('audio').src")
    assert "v=early-" in early_src
    page.screenshot(path=_shots(artifacts_dir) / "member-listening-early-360.png")

    # The whole track arrives over the socket (no reload); pausing moves to it in place.
    expect(note).to_contain_text("Giọng đọc", timeout=180_000)
    page.get_by_role("button", name="Tạm dừng").click()
    _poll(page, "() => !document.getElementById('audio').src.includes('early-')")
    src = page.evaluate("() => document.getElementById('audio').src")
    assert "v=early-" not in src and src.startswith(early_src.split("?")[0])
    assert _poll(page, "() => document.getElementById('audio').currentTime > 0.5")
    expect(page.locator("#player-download")).to_be_visible()
    expect(page.get_by_role("button", name="Tạo lại bằng giọng tự nhiên")).to_be_visible()
    page.context.close()


def test_a_whole_meeting_plays_as_one_playlist_from_the_lock_screen(
    browser: Any, live_server: str, artifacts_dir: Path
) -> None:
    """ "Nghe cả buổi họp": the meeting's documents in agenda order, one after another, the
    sentence being read shown and highlighted; the lock screen's buttons (the Media Session's
    handlers) pause, play, skip 15 s and move between chapters (agenda items); a finger drags
    the bar to the last chapter; at the end of a document the next one plays by itself."""
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN", has_touch=True)
    context.add_init_script(RECORD_MEDIA_HANDLERS)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(page, live_server, "0912000003")
        page.get_by_role("region", name="Buổi sinh hoạt sắp tới").get_by_role("link").first.click()
        meeting = page.url
        note = page.locator("#playlist-note")
        # The server reads the demo documents aloud as it starts: wait until both are whole.
        for _ in range(60):
            expect(note).not_to_be_empty()
            if note.text_content().startswith("2 tài liệu") and "Bỏ qua" not in note.text_content():
                break
            page.wait_for_timeout(3000)
            page.goto(meeting)
        expect(note).to_have_text(re.compile(r"^2 tài liệu, dài \d+:\d\d\.$"))
        playlist = page.evaluate(
            "() => fetch(document.getElementById('playlist').dataset.src).then(r => r.json())"
        )
        report, resolution = playlist["documents"]
        sentences = {
            d["title"]: page.evaluate(
                "url => fetch(url).then(r => r.json())"
                ".then(b => b.timings.sentences.map(s => s.text))",
                d["timings"],
            )
            for d in (report, resolution)
        }

        page.get_by_role("button", name="Nghe cả buổi họp").click()
        expect(page.get_by_role("region", name="Trình nghe buổi họp")).to_be_visible()
        assert _becomes(page, _NOW_PLAYING, "Báo cáo kết quả thực hiện nhiệm vụ tháng 11")
        metadata = page.evaluate(
            "() => { const m = navigator.mediaSession.metadata;"
            " return [m.artist, m.album, m.artwork.map(a => a.src)]; }"
        )
        assert metadata[:2] == ["Chi bộ thôn Nà Phìa", "Sinh hoạt chi bộ thường kỳ tháng 1/2027"]
        assert any("/static/icons/icon-192" in src for src in metadata[2])
        expect(page.locator("#player-doc")).to_have_text(report["title"])
        assert _becomes(page, _CHAPTER, "1. Đánh giá kết quả thực hiện nghị quyết tháng trước")
        # The sentence being read, in the player (the meeting's page holds no text).
        said = _poll(page, _SAID)
        assert said in sentences[report["title"]]
        later = _poll(page, f"() => {{ const s = ({_SAID})(); return s !== {said!r} && s; }}")
        assert later in sentences[report["title"]]
        page.screenshot(path=_shots(artifacts_dir) / "member-listening-meeting-360.png")
        assert measure(page)[0] == []

        # The lock screen: pause, play, 15 s on, the next chapter, back to the beginning.
        page.evaluate("() => window.mediaHandlers.pause()")
        assert _poll(
            page,
            "() => document.getElementById('audio').paused"
            " && navigator.mediaSession.playbackState === 'paused'",
        )
        page.evaluate("() => window.mediaHandlers.play()")
        assert _poll(page, _NOW_PLAYING)
        before = page.evaluate("() => document.getElementById('audio').currentTime")
        page.evaluate("() => window.mediaHandlers.seekforward({action: 'seekforward'})")
        assert page.evaluate("() => document.getElementById('audio').currentTime") >= before + 14
        page.evaluate("() => window.mediaHandlers.nexttrack()")
        assert _becomes(page, _NOW_PLAYING, "Dự thảo Nghị quyết tháng 12")
        assert _becomes(page, _CHAPTER, "4. Bàn nhiệm vụ tháng tới và biểu quyết nghị quyết")
        page.evaluate("() => window.mediaHandlers.seekto({action: 'seekto', seekTime: 0})")
        assert _becomes(page, _NOW_PLAYING, report["title"])

        # A finger drags the bar to the last chapter's mark: the second document plays there.
        mark = page.locator("#player-marks i").last.bounding_box()
        _drag_seek_bar(page, mark["x"] + mark["width"] / 2 + 8)
        assert _becomes(page, _NOW_PLAYING, "Dự thảo Nghị quyết tháng 12")
        assert _becomes(page, _CHAPTER, "4. Bàn nhiệm vụ tháng tới và biểu quyết nghị quyết")
        assert _poll(page, f"() => {sentences[resolution['title']]!r}.includes(({_SAID})())")
        assert page.evaluate("() => document.getElementById('audio').src") == page.evaluate(
            "url => new URL(url, location.href).href", resolution["url"]
        )
        page.screenshot(path=_shots(artifacts_dir) / "member-listening-meeting-dragged-360.png")

        # The end of a document leads on to the next one by itself.
        end = report["duration"] - 1.5
        page.evaluate(f"() => window.mediaHandlers.seekto({{action: 'seekto', seekTime: {end}}})")
        assert _becomes(page, _NOW_PLAYING, "Dự thảo Nghị quyết tháng 12")
        assert page.evaluate("() => document.getElementById('audio').currentTime") < 10
    finally:
        context.close()
