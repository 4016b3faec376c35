/* Listening like a podcast app. One sticky player for a document's page (its track) and a
   meeting's page ("Nghe cả buổi họp": every document in agenda order, one after another): one
   timeline over the tracks, a seek bar with the chapters marked, the chapter being heard, ±15 s,
   speed; the sentence being read highlighted (its paragraph softly) and kept in view; the lock
   screen and headphones through the Media Session API. A document's page also has early parts
   while the voice reads on, "nghe tiếp", keeping it offline, tapping a paragraph to hear it.
   Without JavaScript the MP3 can still be downloaded. */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }
  var player = $("player"), audio = $("audio");
  if (!player || !audio) return;
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var seek = $("player-seek"), marks = $("player-marks"), chapterMenu = $("player-chapter");
  var elapsed = $("player-time"), remaining = $("player-left"), toggle = $("player-toggle");
  var line = $("player-line"), docLink = $("player-doc"), rateLabel = $("player-rate");
  var session = navigator.mediaSession;
  // tracks: {document, url, title, duration, offset, sentences[, timings, page]}
  var tracks = [], at = 0, chapters = [], total = 0, chapterNow = -1, dragging = false;
  var said = null, soft = null, shownParagraph = null, userScrolled = 0;
  var playedSince = 0, lastTick = null;
  function noop() {}

  function hms(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    return [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60];
  }
  function clock(seconds) {  // "1:05:09", "3:05"
    var t = hms(seconds);
    return (t[0] ? t[0] + ":" + (t[1] < 10 ? "0" : "") : "") + t[1] + ":" + (t[2] < 10 ? "0" : "") + t[2];
  }
  function spoken(seconds) {  // "3 phút 5 giây": what a screen reader says of the seek bar
    var t = hms(seconds), out = [];
    ["giờ", "phút", "giây"].forEach(function (unit, i) { if (t[i] || (i === 2 && !out.length)) out.push(t[i] + " " + unit); });
    return out.join(" ");
  }

  /* --- one timeline over the tracks, the chapters on it ---------------------------------- */
  function setTracks(list, chapterList) {
    total = 0;
    list.forEach(function (t) { t.offset = total; total += t.duration; });
    tracks = list;
    chapters = chapterList && chapterList.length ? chapterList : [{title: list[0].title, start: 0}];
    seek.max = Math.max(1, Math.ceil(total));
    marks.textContent = "";
    chapterMenu.textContent = "";
    chapters.forEach(function (c, i) {
      var option = document.createElement("option");
      option.value = i; option.textContent = c.title;
      chapterMenu.appendChild(option);
      if (!i) return;
      var mark = document.createElement("i");
      mark.style.setProperty("--at", c.start / (total || 1));
      marks.appendChild(mark);
    });
    chapterMenu.hidden = chapters.length < 2;
    chapterNow = -1;
    draw(now());
  }
  function now() { return tracks.length ? tracks[at].offset + (audio.currentTime || 0) : 0; }
  function chapterAt(t) {
    for (var i = chapters.length - 1; i > 0 && chapters[i].start > t + 0.05; i--);
    return i;
  }
  function draw(t) {
    t = Math.max(0, Math.min(t, total));
    if (!dragging) seek.value = t;
    seek.style.setProperty("--p", (total ? t / total * 100 : 0) + "%");
    seek.setAttribute("aria-valuetext", spoken(t) + " trên " + spoken(total));
    elapsed.textContent = clock(t);
    remaining.textContent = "−" + clock(total - t);
    var c = chapterAt(t);
    if (c !== chapterNow) { chapterNow = c; chapterMenu.value = String(c); }
  }
  function seekTo(t) {
    if (!tracks.length) return;
    t = Math.max(0, Math.min(t, total - 0.1));
    for (var i = tracks.length - 1; i > 0 && tracks[i].offset > t; i--);
    if (i !== at) use(i, t - tracks[i].offset, !audio.paused);
    else audio.currentTime = t - tracks[i].offset;
    draw(t);
    positionState();
  }
  function use(i, position, play) {  // the meeting's playlist: move to track i
    if (audio.src) report();
    at = i;
    var t = tracks[i];
    audio.src = t.url;
    audio.currentTime = position;  // before any data: where playback will start
    if (play) audio.play().catch(noop);
    if (docLink) { docLink.textContent = t.title; docLink.href = t.page; }
    if (line) line.textContent = "";
    shownParagraph = said = null;
    describe();
    if (!t.sentences && t.timings) {
      fetch(t.timings, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (info) { if (info && info.timings) t.sentences = info.timings.sentences || []; }, noop);
    }
  }
  function play(from) {
    player.hidden = false;
    if (!audio.src && tracks.length) use(0, 0, false);
    if (from !== undefined) seekTo(from);
    var started = audio.play();
    if (started && started.catch) started.catch(function () { if (note && !unplayable) note.textContent = "Chạm ▶ để phát."; });
  }
  function skip(seconds) { seekTo(now() + seconds); }
  function chapterStep(step) {
    var t = now(), c = chapterAt(t);
    if (step < 0 && t - chapters[c].start > 3) step = 0;  // back to this chapter's start first
    var to = chapters[Math.max(0, c + step)];
    if (to) seekTo(to.start);  // none after the last
  }

  seek.addEventListener("input", function () { dragging = true; draw(+seek.value); });
  seek.addEventListener("change", function () { dragging = false; seekTo(+seek.value); });
  chapterMenu.addEventListener("change", function () { play(chapters[+chapterMenu.value].start); });
  toggle.addEventListener("click", function () { if (audio.paused) play(); else audio.pause(); });
  $("player-back").addEventListener("click", function () { skip(-15); });
  $("player-forward").addEventListener("click", function () { skip(15); });
  var RATES = [1, 1.25, 1.5, 2, 0.75];
  function setRate(rate) {
    audio.defaultPlaybackRate = audio.playbackRate = rate;  // the default survives a new src
    rateLabel.textContent = String(rate).replace(".", ",") + "×";
    try { localStorage.setItem("handbook.rate", rate); } catch (e) { /* private mode */ }
  }
  $("player-speed").addEventListener("click", function () {
    setRate(RATES[(RATES.indexOf(audio.playbackRate) + 1) % RATES.length]);
  });
  try { var kept = parseFloat(localStorage.getItem("handbook.rate")); if (RATES.indexOf(kept) > 0) setRate(kept); } catch (e) { /* none */ }

  /* --- the lock screen and headphones ----------------------------------------------------- */
  function describe() {
    if (!session || !window.MediaMetadata || !tracks.length) return;
    var data = player.dataset;
    session.metadata = new MediaMetadata({
      title: tracks[at].title, artist: data.artist, album: data.album,
      artwork: [{src: data.art, sizes: "192x192", type: "image/png"}, {src: data.artLarge, sizes: "512x512", type: "image/png"}]
    });
  }
  function positionState() {
    if (!session || !session.setPositionState || !total) return;
    try { session.setPositionState({duration: total, playbackRate: audio.playbackRate, position: Math.min(now(), total)}); } catch (e) { /* not yet known */ }
  }
  if (session) {
    var actions = {
      play: function () { play(); },
      pause: function () { audio.pause(); },
      seekbackward: function (d) { skip(-(d && d.seekOffset || 15)); },
      seekforward: function (d) { skip(d && d.seekOffset || 15); },
      seekto: function (d) { seekTo(d.seekTime); },
      previoustrack: function () { chapterStep(-1); },
      nexttrack: function () { chapterStep(1); }
    };
    Object.keys(actions).forEach(function (name) {
      try { session.setActionHandler(name, actions[name]); } catch (e) { /* unsupported here */ }
    });
  }
  audio.addEventListener("play", function () {
    player.classList.add("playing"); toggle.setAttribute("aria-label", "Tạm dừng");
    if (session) session.playbackState = "playing";
    lastTick = audio.currentTime; positionState();
  });
  audio.addEventListener("pause", function () {
    player.classList.remove("playing"); toggle.setAttribute("aria-label", "Phát");
    if (session) session.playbackState = "paused";
    report();
  });
  audio.addEventListener("ratechange", positionState);
  audio.addEventListener("seeking", function () { lastTick = null; });
  audio.addEventListener("ended", function () {
    report();
    if (!box && at < tracks.length - 1) use(at + 1, 0, true);  // the meeting's next document
  });

  /* --- the sentence being read, in its paragraph ------------------------------------------ */
  function sentenceAt(t) {
    var list = tracks.length && tracks[at].sentences || [], lo = 0, hi = list.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid].start <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found < 0 ? null : list[found];
  }
  function paragraphOf(s) {
    if (!line) return $("p-" + s.paragraph);
    // The meeting's page holds no text: the player shows the sentence's paragraph itself.
    var key = at + ":" + s.paragraph;
    if (shownParagraph !== key) {
      shownParagraph = key;
      line.textContent = tracks[at].sentences.filter(function (x) { return x.paragraph === s.paragraph; })
        .map(function (x) { return x.text; }).join(" ");
    }
    return line;
  }
  function unmark() {
    Array.prototype.forEach.call(document.querySelectorAll("mark.said"), function (mark) {
      var parent = mark.parentNode;
      parent.replaceChild(document.createTextNode(mark.textContent), mark);
      parent.normalize();
    });
  }
  /* The paragraph's own words as text nodes, in order, with where each starts in its text (the
     timing map's offsets): a member's paragraph is one text node; a manager's is cut by the
     marks on words OCR was unsure of. Links are not its words: the "Sửa" link, the count of
     comments ("2 góp ý"). */
  function wordsOf(host) {
    var nodes = [], text = "", walker = document.createTreeWalker(host, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) { var a = node.parentNode.closest("a"); return a && host.contains(a) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT; }
    });
    while (walker.nextNode()) { nodes.push({node: walker.currentNode, at: text.length}); text += walker.currentNode.data; }
    return {nodes: nodes, text: text};
  }
  function highlight(s) {
    if (s === said) return;
    said = s;
    unmark();
    var host = s && paragraphOf(s);
    if (host !== soft) {
      if (soft) soft.classList.remove("reading");
      soft = host;
      if (host) host.classList.add("reading");
    }
    if (!host) return;
    var words = wordsOf(host), text = words.text;
    var i = text.substr(s.offset, s.text.length) === s.text ? s.offset : text.indexOf(s.text);
    if (i < 0 || !s.text) return;
    var end = i + s.text.length, first = null;
    // One mark a text node the sentence crosses (a mark cannot straddle an element's edge).
    words.nodes.forEach(function (w) {
      var from = Math.max(i, w.at) - w.at, to = Math.min(end, w.at + w.node.data.length) - w.at;
      if (from >= to) return;
      var range = document.createRange(), mark = document.createElement("mark");
      range.setStart(w.node, from); range.setEnd(w.node, to);
      mark.className = "said";
      range.surroundContents(mark);
      first = first || mark;
    });
    if (!first) return;
    if (line) { line.scrollTop = first.offsetTop - 4; return; }
    var r = first.getBoundingClientRect(), bottom = window.innerHeight - player.offsetHeight;
    if ((r.top < 0 || r.bottom > bottom) && Date.now() - userScrolled > 4000) first.scrollIntoView({block: "center", behavior: "smooth"});
  }
  ["wheel", "touchmove", "keydown"].forEach(function (name) {
    window.addEventListener(name, function () { userScrolled = Date.now(); }, {passive: true});
  });
  audio.addEventListener("timeupdate", function () {
    if (lastTick !== null && !audio.paused) {
      var step = audio.currentTime - lastTick;
      if (step > 0 && step < 5) playedSince += step;  // real listening, not seeking
    }
    lastTick = audio.currentTime;
    if (!dragging) draw(now());
    highlight(sentenceAt(audio.currentTime));
  });

  /* --- "nghe tiếp": the position, and how much was really heard -------------------------- */
  function report() {
    if (!audio.src || isNaN(audio.currentTime) || !tracks.length) return;
    var played = playedSince;
    playedSince = 0;
    fetch("/documents/" + tracks[at].document + "/listen", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({position: audio.currentTime, played: played})
    }).catch(function () { playedSince += played; });  // offline: count it next time
  }
  setInterval(function () { if (!audio.paused) report(); }, 10000);
  window.addEventListener("pagehide", report);

  /* --- the meeting's playlist -------------------------------------------------------------- */
  var list = $("playlist");
  if (list) {
    var listNote = $("playlist-note"), listStart = $("playlist-start");
    fetch(list.getAttribute("data-src"), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (info) {
        list.classList.remove("awaits-js");
        var docs = info ? info.documents : [];
        listStart.hidden = !docs.length;
        listNote.textContent = docs.length ? docs.length + " tài liệu, dài " + clock(info.duration) + "." : "Chưa có tài liệu nào có bản đọc.";
        if (info && info.note) listNote.textContent += " " + info.note;
        if (docs.length) setTracks(docs, info.chapters);
      })
      .catch(function () { list.classList.remove("awaits-js"); listStart.hidden = true; listNote.textContent = "Mất kết nối, chưa tải được bản đọc."; });
    listStart.addEventListener("click", function () { play(); });
  }

  /* --- a document's track: complete, or its beginning while the voice reads on ------------
     A long document is playable seconds after publishing: the server offers the part spoken
     so far (a prefix of the final MP3, same times) and tells us over Socket.IO when it grows.
     A newer version replaces the playing one where it is, or when the playing part runs out. */
  var box = $("listen");
  if (!box) return;
  var docId = box.getAttribute("data-document");
  var note = $("listen-note"), startButton = $("listen-start"), resumeButton = $("listen-resume");
  var manage = box.getAttribute("data-manage") === "1";
  var remake = $("listen-remake"), download = $("player-download");
  var paragraphStarts = {}, version = null, waitingForMore = false, pending = null, pollTimer = null, known = 0, saved = 0;

  function voiceLabel(info) {
    return (info.engine === "gtts" ? "giọng tự nhiên (trực tuyến)" : info.engine === "piper" ? "giọng tự nhiên " + info.voice + " (ngoại tuyến)" : "giọng máy (ngoại tuyến)") +
      (info.fell_back ? " — mạng chậm nên đã dùng giọng máy" : "");
  }
  function describeTrack(info) {
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
    var natural = remake.getAttribute("data-natural") || "gtts";  // piper when installed
    remake.hidden = !manage || busy || !(info.status === "failed" || (info.complete && info.engine !== natural));
    remake.textContent = info.complete ? "Tạo lại bằng giọng tự nhiên" : "Tạo lại bản đọc";
    remake.setAttribute("data-engine", info.complete ? natural : "auto");
  }
  function markAudible() {
    document.querySelectorAll("[data-n]").forEach(function (node) {
      if (paragraphStarts[node.getAttribute("data-n")] !== undefined) node.classList.add("audible");
    });
  }
  function swapTo(info, resume) {
    // The new file holds the old one's audio at the same times: carry on from here.
    var here = audio.src ? audio.currentTime : 0;
    var play = resume || (!!audio.src && !audio.paused);
    version = info.version; pending = null;
    paragraphStarts = info.timings.paragraphs || {};
    known = info.duration;
    setTracks([{document: docId, url: info.url, title: player.dataset.title, duration: info.duration,
      sentences: info.timings.sentences || []}], info.timings.chapters);
    said = null;
    markAudible();
    if (download) download.hidden = !info.complete;
    offerToKeep(info);
    var had = !!audio.src;
    audio.src = info.url;
    describe();
    if (had) {
      audio.currentTime = here;  // before any data: where playback will start (and be reported)
      if (play) audio.play().catch(noop);
    }
  }
  /* --- "Lưu để nghe khi mất mạng": the whole MP3 kept on the phone; sw.js plays it offline */
  var keepButton = $("player-keep");
  var AUDIO_CACHE = "handbook-audio";
  function offerToKeep(info) {
    if (!keepButton) return;
    if (!window.caches || !navigator.serviceWorker) { keepButton.hidden = true; return; }
    keepButton.hidden = !info.complete;
    keepButton.setAttribute("data-url", info.url);
    caches.open(AUDIO_CACHE).then(function (cache) { return cache.match(info.url); }).then(function (found) {
      if (found) { keepButton.textContent = "Đã lưu, nghe được khi mất mạng"; keepButton.disabled = true; }
      else { keepButton.textContent = "Lưu để nghe khi mất mạng"; keepButton.disabled = unplayable; }
    }).catch(noop);
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
    note.textContent = describeTrack(info);
    showRemake(info);
    var working = info.status === "queued" || info.status === "processing";
    if (!info.playable) { startButton.hidden = true; if (download) download.hidden = true; if (keepButton) keepButton.hidden = true; return working; }
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
    [startButton, resumeButton, toggle, keepButton, $("player-back"), $("player-forward"), chapterMenu, seek]
      .forEach(function (control) { if (control) control.disabled = true; });
    var tap = $("tap-listen");
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
    keptRecording(info.url).then(function (found) { if (!found) cannotPlay(); });
  }
  audio.addEventListener("error", function () {
    if (!audio.src) return;
    keptRecording(audio.src).then(function (found) {
      if (!found && (offlineNow() || audio.error && audio.error.code === 2)) cannotPlay();
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
    socket.emit("document.join", {document: parseInt(docId, 10)}, noop);
    if (joined) load();  // a reconnect: whatever changed while we were away
    joined = true;
  }
  if (socket) {
    socket.on("connect", follow);
    socket.on("audio.status", function (data) {
      if (String(data.document) !== String(docId)) return;
      if (data.version !== version && data.playable) load();
      else { box.hidden = false; box.classList.remove("awaits-js"); note.textContent = describeTrack(data); showRemake(data); }
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
  startButton.addEventListener("click", function () { play(0); });
  resumeButton.addEventListener("click", function () { play(saved); });

  /* --- tap a paragraph: hear it from there, or comment on it ----------------------------- */
  var menu = $("tap-menu"), tapListen = $("tap-listen"), tapComment = $("tap-comment"), tapped = null;
  document.querySelector("article.reader").addEventListener("click", function (event) {
    if (event.target.closest("a, button, form, .listen")) return;
    if (window.getSelection && String(window.getSelection())) return;
    var node = event.target.closest("[data-n]");
    if (!node) return;
    event.stopImmediatePropagation();  // the menu decides, not the comment box directly
    tapped = node;
    tapListen.hidden = unplayable || paragraphStarts[node.getAttribute("data-n")] === undefined;
    tapComment.hidden = !$("composer");
    node.parentNode.insertBefore(menu, node.nextSibling);
    menu.hidden = false;
  }, true);
  tapListen.addEventListener("click", function () {
    menu.hidden = true;
    play(paragraphStarts[tapped.getAttribute("data-n")]);
  });
  tapComment.addEventListener("click", function () {
    menu.hidden = true;
    window.dispatchEvent(new CustomEvent("handbook:comment-on", {detail: {n: parseInt(tapped.getAttribute("data-n"), 10)}}));
  });

  // The timing map once; joining the room on every (re)connect, loading again on a reconnect.
  load();
  if (socket && socket.connected) follow();
})();
