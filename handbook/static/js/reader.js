/* "Đọc tiếp": note the paragraph the member is reading, keep it on the phone, send it to the
   server (so any device can go back there). Nothing is noted until the member moves on from
   where the page opened: opening a document is not reading it (the server counts it read
   once a report reaches 60 % of the paragraphs or the end). */
(function () {
  "use strict";
  var box = document.getElementById("read-on");
  if (!box || !window.IntersectionObserver || !window.fetch) return;
  var PREFIX = "reading:", KEY = PREFIX + box.dataset.document, EVERY = 15000;
  var last = +box.dataset.last, version = box.dataset.version;
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var inView = {}, start = null, wait = 0, later = 0, sentAt = 0;

  function get(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
  function send(key, keepalive) {
    var item = get(key);
    if (!item) return;
    sentAt = Date.now();
    fetch("/documents/" + key.slice(PREFIX.length) + "/reading", {
      method: "POST", credentials: "same-origin", keepalive: keepalive,
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
      body: item
    }).then(function (r) {
      // Kept, older than what the server has, another text, or gone: done. Anything else
      // (no network, signed out, an expired form token) is sent again later.
      if ((r.ok && !r.redirected) || r.status === 404 || r.status === 409) {
        if (get(key) === item) localStorage.removeItem(key);
      }
    }, function () {});
  }
  function flush(keepalive) {
    clearTimeout(later);
    later = 0;
    var keys = [];
    try { for (var i = 0; i < localStorage.length; i++) keys.push(localStorage.key(i)); } catch (e) {}
    keys.forEach(function (k) { if (k && k.indexOf(PREFIX) === 0) send(k, keepalive); });
  }
  function here() {
    var ns = Object.keys(inView).map(Number);
    if (!ns.length) return null;
    var end = document.getElementById("p-" + last);  // the end in sight: finished
    var done = Math.max.apply(null, ns) >= last || (end && end.getBoundingClientRect().bottom <= innerHeight);
    return done ? last : Math.min.apply(null, ns);
  }
  function note() {
    var n = here();
    // The first paragraph offers nothing, erases much; but a text wholly in sight from the
    // opening, still there after a while, has been read (the server counts it read).
    if (!(n > 1 || n === last) || (n === start && n !== last)) return;
    start = -1;  // moved: from now on every position counts
    try { localStorage.setItem(KEY, JSON.stringify({n: n, version: version, seen: Date.now()})); } catch (e) { return; }
    if (Date.now() - sentAt >= EVERY) flush(false);
    else if (!later) later = setTimeout(flush, EVERY - (Date.now() - sentAt), false);
  }
  // The paragraph being read is the top one in the upper part of the screen.
  var watch = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      if (e.isIntersecting) inView[e.target.dataset.n] = 1; else delete inView[e.target.dataset.n];
    });
    if (start === null) start = here() || 0;  // where the page opened
    clearTimeout(wait);
    wait = setTimeout(note, start === last ? 8000 : 1000);
  }, {rootMargin: "0px 0px -60% 0px"});
  document.querySelectorAll(".reader .page > [data-n]").forEach(function (p) { watch.observe(p); });
  addEventListener("pagehide", function () { flush(true); });
  addEventListener("visibilitychange", function () { if (document.hidden) flush(true); });
  addEventListener("online", function () { flush(false); });
  flush(false);  // what waited offline, for any document
})();
