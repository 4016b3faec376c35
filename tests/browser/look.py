"""What the look tests measure on a page, in the page itself (getBoundingClientRect and computed
styles), and which pages they visit."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from tests.browser.helpers import axe_violations

#: Smallest tap target (WCAG 2.5.5 and Android's 48 dp) and smallest body text, in CSS px.
TARGET = 48
TEXT = 18

# One script, run as it is: a page's CSP forbids eval, and Playwright evaluates through DevTools.
MEASURE = r"""
() => {
  const problems = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return false;
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none" && !el.closest("[hidden]");
  };
  const name = (el) => {
    const text = (el.getAttribute("aria-label") || el.textContent || el.value || "").trim();
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${text.slice(0, 40)}"`;
  };
  // A link inside running text (a sentence, a comment's line) is allowed its line's height:
  // its block holds words of its own besides the link.
  const inText = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    const block = el.closest("p, li, dd, td, span");
    return !!block && block.textContent.replace(el.textContent, "").trim().length > 0;
  };
  const allowed = [];
  const seen = new Set();
  for (let el of document.querySelectorAll(
      "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]")) {
    // A box or a file input drawn small or hidden: its label is what the finger taps.
    if (el.tagName === "INPUT" && /^(checkbox|radio|file)$/.test(el.type)) {
      el = el.closest("label") || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el;
    }
    if (seen.has(el) || !visible(el)) continue;
    seen.add(el);
    const r = el.getBoundingClientRect();
    if (r.width >= __TARGET__ - 0.5 && r.height >= __TARGET__ - 0.5) continue;
    if (inText(el)) { allowed.push(name(el)); continue; }
    problems.push(`tap target ${Math.round(r.width)}×${Math.round(r.height)}: ${name(el)}`);
  }
  // Text: every element that holds words of its own (the unread count on the bell excepted).
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const small = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    const skip = ".badge, [aria-hidden=true], script, style, option, .visually-hidden";
    if (!node.textContent.trim() || !el || small.has(el) || el.closest(skip)) continue;
    if (!visible(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < __TEXT__ - 0.5) { small.add(el); problems.push(`text ${size}px: ${name(el)}`); }
  }
  const wide = document.documentElement.scrollWidth;
  if (wide > innerWidth) problems.push(`the page scrolls sideways: ${wide}px in ${innerWidth}px`);
  // The header: one line (its items side by side, the name on one line).
  const bar = document.querySelector(".topbar .bar");
  if (bar) {
    const height = bar.getBoundingClientRect().height;
    if (height > 64) problems.push(`header ${Math.round(height)}px high: more than one line`);
    const brand = bar.querySelector(".brand span");
    if (brand && brand.getClientRects().length !== 1) problems.push("the app's name wraps");
  }
  return {problems, allowed};
}
""".replace("__TARGET__", str(TARGET)).replace("__TEXT__", str(TEXT))


def measure(page: Any) -> tuple[list[str], list[str]]:
    """The page's problems, and the inline links allowed their line's height."""
    found = page.evaluate(MEASURE)
    return found["problems"], found["allowed"]


#: axe-core's impacts that fail a page.
SERIOUS = frozenset({"serious", "critical"})


def checked(page: Any, shot: Path) -> None:
    """A screenshot to look at, and the page held to the phone rules: no serious axe-core
    violation, tap targets of 48 px, text of 18 px, no sideways scrolling."""
    page.screenshot(path=shot, full_page=True)
    serious = [v for v in axe_violations(page) if v[1] in SERIOUS]
    assert serious == [], (shot.name, serious)
    problems, _allowed = measure(page)
    assert problems == [], (shot.name, problems)


def open_page(page: Any, url: str) -> None:
    """Go to ``url`` and let its scripts draw; a document is waited for until its text is read
    (the demo's documents are read by the server as the tests start)."""
    _go(page, url)
    deadline = time.monotonic() + 180
    waited = False
    while page.locator("article.reader:not([data-status=ready])").count():
        assert time.monotonic() < deadline, f"{url} never became ready"
        waited = True
        page.wait_for_timeout(2000)
        if page.locator("article.reader:not([data-status=ready])").count():
            _go(page, url)
    if waited:  # marked ready live, the page reloads itself: load it once, ready
        _go(page, url)
    page.wait_for_timeout(300)  # what scripts fill in (the pack card, the player) is drawn


def _go(page: Any, url: str) -> None:
    """``page.goto``, where the page's own navigation may win: a document page reloads itself
    the moment its text is read, and the test's navigation is then aborted (ERR_ABORTED)."""
    from playwright.sync_api import Error

    try:
        page.goto(url, wait_until="load")
    except Error as error:
        if "ERR_ABORTED" not in str(error):
            raise
        page.wait_for_load_state("load")  # the page's own reload, of the same address


def links(page: Any, pattern: str) -> list[str]:
    """Every address on the page matching ``pattern``, sorted, once each."""
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
    return sorted({h for h in hrefs if re.fullmatch(pattern, h)})


def first_link(page: Any, base: str, path: str, pattern: str) -> str:
    """The first link on ``path`` whose address matches ``pattern``."""
    page.goto(f"{base}{path}")
    found = links(page, pattern)
    assert found, f"no {pattern} on {path}"
    return found[0]


def member_pages(page: Any, base: str) -> dict[str, str]:
    """A member's pages (signed in on ``page``)."""
    meeting = first_link(page, base, "/", r"/meetings/\d+")
    document = first_link(page, base, meeting, r"/documents/\d+")
    return {
        "home": "/",
        "meeting": meeting,
        "document": document,
        "notifications": "/notifications",
        "push-settings": "/notifications/settings",
        "search": "/search?q=chuyen+doi+so",
        "account": "/account",
        "password": "/account/password",
        "offline": "/offline",
        "not-found": "/meetings/999999",
    }


def secretary_pages(page: Any, base: str) -> dict[str, str]:
    """A branch secretary's pages (signed in on ``page``)."""
    meeting = first_link(page, base, "/", r"/meetings/\d+")
    org = first_link(page, base, "/", r"/org/\d+")
    return {
        "home": "/",
        "meeting": meeting,
        "meeting-edit": f"{meeting}/edit",
        "attendance": f"{meeting}/attendance",
        "attendance-screen": f"{meeting}/attendance/screen",
        "participation": f"{meeting}/participation",
        "comments": f"{meeting}/comments",
        "org": org,
        "org-meetings": f"{org}/meetings",
        "meeting-new": f"{org}/meetings/new",
        "members": f"{org}/members",
        "import": f"{org}/members/import",
        "audit": f"{org}/audit",
        "announcements": "/announcements",
        "announce": f"{org}/announcements/new",
    }
