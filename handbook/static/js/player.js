/* The document read aloud: a player that works on phones, the paragraph being read highlighted
   and kept in view, "nghe tiếp" from where the member stopped on any device, and tapping a
   paragraph to hear it from there. Without JavaScript the MP3 can still be downloaded. */
(function () {
  "use strict";

  var box = document.getElementById("listen");
  var player = document.getElementById("player");
  var audio = document.getElementById("audio");
  if (!box || !player || !audio) return;
  var docId = box.getAttribute("data-document");
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var note = document.getElementById("listen-note");
  var startButton = document.getElementById("listen-start");
  var resumeButton = document.getElementById("listen-resume");
  var toggle = document.getElementById("player-toggle");
  var timeLabel = document.getElementById("player-time");
  var chapters = document.getElementById("player-chapter");
  var sentences = [], paragraphStarts = {}, current = null, lastUserScroll = 0;
  var playedSince = 0, lastTick = null, saved = 0;

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  /* --- the track: complete, or its beginning while the voice reads on --------------------
     A long document is playable seconds after publishing: the server offers the part spoken
     so far (a prefix of the final MP3, same times) and tells us over Socket.IO when it grows.
     A newer version replaces the playing one where it is, or when the playing part runs out. */
  var manage = box.getAttribute("data-manage") === "1";
  var remake = document.getElementById("listen-remake");
  var download = document.getElementById("player-download");
  var version = null, waitingForMore = false, pending = null, pollTimer = null, known = 0;

  function voiceLabel(info) {
    return (info.engine === "gtts" ? "giọng tự nhiên (trực tuyến)" : "giọng máy (ngoại tuyến)") +
      (info.fell_back ? " — mạng chậm nên đã dùng giọng máy" : "");
  }
  function describe(info) {
    if (info.status === "none") return "Chưa có bản đọc.";
    if (info.status === "failed" && !info.playable) return info.error || "Chưa có bản đọc.";
    var done = info.sentences_total ? info.sentences_done + "/" + info.sentences_total + " câu" : (info.progress || 0) + "%";
    if (!info.playable) return "Đang chuẩn bị bản đọc… " + done;
    if (!info.complete) return "Đã sẵn sàng " + clock(info.duration) + " đầu để nghe; đang đọc tiếp… " + done;
    var text = "Giọng đọc: " + voiceLabel(info) + ", dài " + clock(info.duration) + ".";
    if (info.status === "queued" || info.status === "processing") text += " Đang tạo lại bản đọc… " + done;
    if (info.status === "failed") text += " Tạo lại chưa được: " + (info.error || "");
    return text;
  }
  function showRemake(info) {
    if (!remake) return;
    var busy = info.status === "queued" || info.status === "processing";
    remake.hidden = !manage || busy || !(info.status === "failed" || (info.complete && info.engine !== "gtts"));
    remake.textContent = info.complete ? "Tạo lại bằng giọng tự nhiên" : "Tạo lại bản đọc";
    remake.setAttribute("data-engine", info.complete ? "gtts" : "auto");
  }
  function drawChapters(list) {
    var keep = chapters.value;
    chapters.textContent = "";
    (list || []).forEach(function (c) {
      var option = document.createElement("option");
      option.value = c.start; option.textContent = c.title;
      chapters.appendChild(option);
    });
    chapters.hidden = chapters.options.length < 2;
    if (keep) chapters.value = keep;
  }
  function markAudible() {
    document.querySelectorAll("[data-n]").forEach(function (node) {
      if (paragraphStarts[node.getAttribute("data-n")] !== undefined) node.classList.add("audible");
    });
  }
  function swapTo(info, resume) {
    // The new file holds the old one's audio at the same times: carry on from here.
    var at = audio.src ? audio.currentTime : 0;
    var play = resume || (!!audio.src && !audio.paused);
    version = info.version; pending = null;
    sentences = info.timings.sentences || [];
    paragraphStarts = info.timings.paragraphs || {};
    known = info.duration;
    drawChapters(info.timings.chapters);
    markAudible();
    if (download) download.hidden = !info.complete;
    offerToKeep(info);
    var had = !!audio.src;
    audio.src = info.url;
    if (had) {
      audio.currentTime = at;  // before any data: where playback will start (and be reported)
      if (play) audio.play().catch(function () {});
    }
  }
  /* --- "Lưu để nghe khi mất mạng": the whole MP3 kept on the phone; sw.js plays it offline */
  var keepButton = document.getElementById("player-keep");
  var AUDIO_CACHE = "handbook-audio";
  function offerToKeep(info) {
    if (!keepButton || !window.caches || !navigator.serviceWorker) return;
    keepButton.hidden = !info.complete;
    keepButton.setAttribute("data-url", info.url);
    caches.open(AUDIO_CACHE).then(function (cache) { return cache.match(info.url); }).then(function (kept) {
      if (kept) { keepButton.textContent = "Đã lưu, nghe được khi mất mạng"; keepButton.disabled = true; }
      else { keepButton.textContent = "Lưu để nghe khi mất mạng"; keepButton.disabled = unplayable; }
    }).catch(function () {});
  }
  if (keepButton) {
    keepButton.addEventListener("click", function () {
      var url = keepButton.getAttribute("data-url");
      var path = new URL(url, window.location.href).pathname;
      keepButton.disabled = true;
      keepButton.textContent = "Đang lưu bản đọc…";
      caches.open(AUDIO_CACHE).then(function (cache) {
        return fetch(url, {credentials: "same-origin"}).then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          // One copy a document: drop older versions, then keep this one.
          return cache.keys().then(function (keys) {
            return Promise.all(keys.filter(function (k) { return new URL(k.url).pathname === path; })
              .map(function (k) { return cache.delete(k); }));
          }).then(function () { return cache.put(url, response); });
        });
      }).then(function () {
        keepButton.textContent = "Đã lưu, nghe được khi mất mạng";
      }).catch(function () {
        keepButton.disabled = false;
        keepButton.textContent = "Chưa lưu được (mạng hoặc bộ nhớ máy), thử lại";
      });
    });
  }

  function apply(info) {
    box.hidden = false; box.classList.remove("awaits-js");
    note.textContent = describe(info);
    showRemake(info);
    var working = info.status === "queued" || info.status === "processing";
    if (!info.playable) { startButton.hidden = true; return working; }
    startButton.hidden = false;
    if (info.version === version) return working;
    whenOffline(info);
    if (version === null) {
      swapTo(info, false);
      saved = info.position || 0;
      if (saved > 5 && saved < info.duration - 5) {
        resumeButton.textContent = "Nghe tiếp từ " + clock(saved);
        resumeButton.hidden = false;
      }
    } else if (waitingForMore || audio.paused || audio.currentTime > known - 1) {
      var resume = waitingForMore;
      waitingForMore = false;
      swapTo(info, resume);
    } else {
      pending = info;  // playing: switch when this part runs out, without a hiccup mid-sentence
    }
    return working;
  }
  /* --- offline (or a kept copy of the page on a stalling link): a recording not kept on the
     phone cannot play, and says so rather than waiting on "Chạm ▶ để phát" ------------------ */
  var unplayable = false;
  function offlineNow() { return !navigator.onLine || document.body.hasAttribute("data-kept-at"); }
  function cannotPlay() {
    unplayable = true;
    note.textContent = "Bản đọc này chưa được lưu trên máy nên không nghe được khi mất mạng.";
    note.classList.add("unplayable");
    [startButton, resumeButton, toggle, keepButton, document.getElementById("player-back"),
      document.getElementById("player-forward"), chapters].forEach(function (control) {
      if (control) control.disabled = true;
    });
    var tap = document.getElementById("tap-listen");
    if (tap) tap.hidden = true;
    if (!audio.paused) audio.pause();
  }
  function keptRecording(url) {
    if (!window.caches) return Promise.resolve(false);
    var path = new URL(url, location.href).pathname;
    return caches.open(AUDIO_CACHE).then(function (cache) { return cache.match(path, {ignoreSearch: true}); })
      .then(function (found) { return Boolean(found); }, function () { return false; });
  }
  function whenOffline(info) {
    if (!offlineNow()) return;
    keptRecording(info.url).then(function (kept) { if (!kept) cannotPlay(); });
  }
  audio.addEventListener("error", function () {
    if (!audio.src) return;
    keptRecording(audio.src).then(function (kept) {
      if (!kept && (offlineNow() || audio.error && audio.error.code === 2)) cannotPlay();
    });
  });
  window.addEventListener("offline", function () { if (audio.src) keptRecording(audio.src).then(function (k) { if (!k) cannotPlay(); }); });

  function load() {
    clearTimeout(pollTimer);
    fetch("/documents/" + docId + "/audio.json", {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (info) {
        if (!info) return;
        var working = apply(info);
        // Live updates come over Socket.IO; poll only without it.
        var live = window.handbookSocket && window.handbookSocket.connected;
        if (working && !live) pollTimer = setTimeout(load, 5000);
      })
      .catch(function () { pollTimer = setTimeout(load, 15000); });
  }
  audio.addEventListener("pause", function () { if (pending && !audio.ended) swapTo(pending, false); });
  audio.addEventListener("ended", function () {
    if (pending) { swapTo(pending, true); return; }
    if (known && version && version.indexOf("early-") === 0) {
      waitingForMore = true;
      note.textContent = "Đang đọc tiếp phần sau, chờ một chút…";
    }
  });
  var socket = window.handbookSocket;
  var joined = false;
  function follow() {
    socket.emit("document.join", {document: parseInt(docId, 10)}, function () {});
    if (joined) load();  // a reconnect: whatever changed while we were away
    joined = true;
  }
  if (socket) {
    socket.on("connect", follow);
    socket.on("audio.status", function (data) {
      if (String(data.document) !== String(docId)) return;
      if (data.version !== version && data.playable) load();
      else { box.hidden = false; box.classList.remove("awaits-js"); note.textContent = describe(data); showRemake(data); }
    });
  }
  if (remake) {
    remake.addEventListener("click", function () {
      remake.disabled = true;
      fetch("/documents/" + docId + "/audio", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
        body: JSON.stringify({engine: remake.getAttribute("data-engine") || "auto"})
      }).then(function (r) { return r.json(); }).then(function (body) {
        remake.disabled = false;
        if (body.error) { note.textContent = body.error.message; return; }
        load();
      }).catch(function () { remake.disabled = false; note.textContent = "Mất kết nối, vui lòng thử lại."; });
    });
  }

  function playFrom(seconds) {
    player.hidden = false;
    audio.currentTime = seconds;
    var started = audio.play();
    if (started && started.catch) {
      started.catch(function () { if (!unplayable) note.textContent = "Chạm ▶ để phát."; });
    }
  }
  startButton.addEventListener("click", function () { playFrom(0); });
  resumeButton.addEventListener("click", function () { playFrom(saved); });
  toggle.addEventListener("click", function () { if (audio.paused) audio.play(); else audio.pause(); });
  document.getElementById("player-back").addEventListener("click", function () { audio.currentTime = Math.max(0, audio.currentTime - 15); });
  document.getElementById("player-forward").addEventListener("click", function () { audio.currentTime = Math.min(audio.duration || 0, audio.currentTime + 15); });
  document.getElementById("player-speed").addEventListener("change", function (e) { audio.playbackRate = parseFloat(e.target.value); });
  chapters.addEventListener("change", function () { playFrom(parseFloat(chapters.value)); });
  audio.addEventListener("play", function () { toggle.textContent = "❚❚"; toggle.setAttribute("aria-label", "Tạm dừng"); lastTick = audio.currentTime; });
  audio.addEventListener("pause", function () { toggle.textContent = "▶"; toggle.setAttribute("aria-label", "Phát"); report(); });
  window.addEventListener("scroll", function () { lastUserScroll = Date.now(); }, {passive: true});

  /* --- highlight the paragraph being read ------------------------------------------------ */
  function sentenceAt(t) {
    var lo = 0, hi = sentences.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (sentences[mid].start <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found < 0 ? null : sentences[found];
  }
  audio.addEventListener("timeupdate", function () {
    timeLabel.textContent = clock(audio.currentTime) + " / " + clock(audio.duration);
    if (lastTick !== null && !audio.paused) {
      var step = audio.currentTime - lastTick;
      if (step > 0 && step < 5) playedSince += step;  // real listening, not seeking
    }
    lastTick = audio.currentTime;
    var s = sentenceAt(audio.currentTime);
    var n = s ? String(s.paragraph) : null;
    if (n === current) return;
    if (current) { var old = document.getElementById("p-" + current); if (old) old.classList.remove("reading"); }
    current = n;
    var node = n && document.getElementById("p-" + n);
    if (node) {
      node.classList.add("reading");
      var r = node.getBoundingClientRect();
      var hidden = r.top < 0 || r.bottom > window.innerHeight - player.offsetHeight;
      if (hidden && Date.now() - lastUserScroll > 4000) node.scrollIntoView({block: "center", behavior: "smooth"});
    }
  });
  audio.addEventListener("seeking", function () { lastTick = null; });

  /* --- "nghe tiếp": the position, and how much was really heard ------------------------- */
  function report() {
    if (!audio.src || isNaN(audio.currentTime)) return;
    var played = playedSince;
    playedSince = 0;
    fetch("/documents/" + docId + "/listen", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({position: audio.currentTime, played: played})
    }).catch(function () { playedSince += played; });  // offline: count it next time
  }
  setInterval(function () { if (!audio.paused) report(); }, 10000);
  audio.addEventListener("ended", report);
  window.addEventListener("pagehide", report);

  /* --- tap a paragraph: hear it from there, or comment on it ----------------------------- */
  var menu = document.getElementById("tap-menu");
  var tapListen = document.getElementById("tap-listen");
  var tapComment = document.getElementById("tap-comment");
  var tapped = null;
  document.querySelector("article.reader").addEventListener("click", function (event) {
    if (event.target.closest("a, button, form, .listen")) return;
    if (window.getSelection && String(window.getSelection())) return;
    var node = event.target.closest("[data-n]");
    if (!node) return;
    event.stopImmediatePropagation();  // the menu decides, not the comment box directly
    tapped = node;
    tapListen.hidden = unplayable || paragraphStarts[node.getAttribute("data-n")] === undefined;
    tapComment.hidden = !document.getElementById("composer");
    node.parentNode.insertBefore(menu, node.nextSibling);
    menu.hidden = false;
  }, true);
  tapListen.addEventListener("click", function () {
    menu.hidden = true;
    playFrom(paragraphStarts[tapped.getAttribute("data-n")]);
  });
  tapComment.addEventListener("click", function () {
    menu.hidden = true;
    window.dispatchEvent(new CustomEvent("handbook:comment-on", {detail: {n: parseInt(tapped.getAttribute("data-n"), 10)}}));
  });

  // The timing map once; joining the room on every (re)connect, loading again on a reconnect.
  load();
  if (socket && socket.connected) follow();
})();
