/* Live comments on a document. Nothing is ever lost or doubled:
   - each new comment gets its own client_id and waits in a local outbox (localStorage) until the
     server acks it; a resend (reload, reconnect, another tab) is stored only once by the server;
   - on (re)connect the page asks for everything after the last comment it has, and for changes
     since the last time the server gave it;
   - comments from others never move the page or touch what is being typed: they wait behind a
     "N góp ý mới — chạm để xem" button;
   - without Socket.IO (blocked by a proxy) the outbox goes over the plain HTTP API. */
(function () {
  "use strict";

  var root = document.getElementById("comments");
  if (!root) return;
  var docId = parseInt(root.getAttribute("data-document"), 10);
  var me = parseInt(root.getAttribute("data-user"), 10);
  var moderator = root.getAttribute("data-moderator") === "1";
  var editMinutes = parseInt(root.getAttribute("data-edit-minutes"), 10) || 15;
  var lastId = parseInt(root.getAttribute("data-last-id"), 10) || 0;
  var syncedAt = root.getAttribute("data-now");
  var list = document.getElementById("comment-list"), icons = document.getElementById("comment-icons");
  var form = document.getElementById("composer");
  var waiting = [];  // others' new comments, shown when the reader taps the banner
  var OUTBOX = "handbook.outbox." + me;
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";

  /* --- the outbox ---------------------------------------------------------------------- */
  function readOutbox() {
    try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; }
  }
  function writeOutbox(items) {
    try { localStorage.setItem(OUTBOX, JSON.stringify(items)); } catch (e) { /* private mode */ }
  }
  function dropFromOutbox(clientId) {
    writeOutbox(readOutbox().filter(function (i) { return i.client_id !== clientId; }));
  }
  function newClientId() {
    var raw = window.crypto && crypto.randomUUID ? crypto.randomUUID()
      : Date.now().toString(36) + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
    return raw.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 64);
  }

  /* --- drawing comments (text only: never HTML from anyone) ---------------------------- */
  var LINK = /(https?:\/\/[^\s<>"']+)/g;
  function fillText(node, text) {
    node.textContent = "";
    var parts = text.split(LINK);
    for (var i = 0; i < parts.length; i++) {
      if (i % 2 === 1) {
        var a = document.createElement("a");
        a.href = parts[i]; a.textContent = parts[i]; a.rel = "noopener nofollow"; a.target = "_blank";
        node.appendChild(a);
      } else if (parts[i]) {
        node.appendChild(document.createTextNode(parts[i]));
      }
    }
  }
  function timeLabel(iso) {
    var d = new Date(iso);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getHours()) + ":" + two(d.getMinutes()) + ", " + two(d.getDate()) + "/" + two(d.getMonth() + 1) + "/" + d.getFullYear();
  }
  // A paragraph named by its first words, not its number ("đoạn 14" told a member nothing).
  function quote(n, max) {
    var p = document.getElementById("p-" + n), badge = p && p.querySelector(".pc");
    if (!p) return "đoạn " + n;
    var t = p.textContent.replace(badge ? badge.textContent : "", "").replace(/\s+/g, " ").trim();
    return "“" + (t.length > max ? t.slice(0, max).replace(/\s+\S*$/, "") + "…" : t) + "”";
  }
  // Long comments fold after six lines (CSS), with "Xem thêm" to unfold them.
  function clamp(body) {
    if (body.classList.contains("muted") || body.nextElementSibling && body.nextElementSibling.className === "more") return;
    body.classList.add("clamp");
    if (body.scrollHeight <= body.clientHeight + 2) { body.classList.remove("clamp"); return; }
    var more = document.createElement("button");
    more.type = "button"; more.className = "more"; more.textContent = "Xem thêm";
    more.setAttribute("aria-expanded", "false");
    more.addEventListener("click", function () {
      var open = !body.classList.toggle("clamp");
      more.textContent = open ? "Thu gọn" : "Xem thêm";
      more.setAttribute("aria-expanded", String(open));
    });
    body.parentNode.insertBefore(more, body.nextSibling);
  }
  function clampAll(node) { Array.prototype.forEach.call(node.querySelectorAll(".comment-body"), clamp); }
  function draw(c, pending) {
    var li = document.createElement("li");
    li.className = "comment" + (c.author.id === me ? " mine" : "") + (pending ? " pending" : "") + (c.deleted ? " deleted" : "");
    if (c.id) { li.id = "c-" + c.id; li.setAttribute("data-id", c.id); li.setAttribute("data-version", c.version); }
    if (c.client_id) li.setAttribute("data-client", c.client_id);
    li.setAttribute("data-paragraph", c.paragraph || "");
    var head = document.createElement("p");
    head.className = "comment-head";
    var who = document.createElement("strong");
    who.textContent = c.author.name;
    var meta = document.createElement("span");
    meta.className = "muted";
    meta.textContent = " " + (pending ? "đang gửi…" : timeLabel(c.created_at)) + (c.edited ? " · đã sửa" : "") +
      (c.paragraph ? " · " + quote(c.paragraph, 40) : "");
    head.appendChild(who); head.appendChild(meta);
    li.appendChild(head);
    if (c.voice) {  // a voice comment plays where it stands, its length beside it
      var voice = document.createElement("p"), audio = document.createElement("audio"), length = document.createElement("span");
      voice.className = "voice"; audio.controls = true; audio.preload = "none"; audio.src = c.voice.url;
      audio.setAttribute("aria-label", "Góp ý bằng giọng nói của " + c.author.name);
      length.className = "muted"; length.textContent = "Giọng nói · " + Math.floor(c.voice.seconds / 60) + ":" + ("0" + c.voice.seconds % 60).slice(-2);
      voice.appendChild(audio); voice.appendChild(length); li.appendChild(voice);
    }
    var body = document.createElement("p");
    body.className = "comment-body";
    if (c.deleted) { body.className += " muted"; body.textContent = "Góp ý đã được xóa."; }
    else if (c.body === null) { body.className += " muted"; body.textContent = "Góp ý đã ẩn."; }
    else fillText(body, c.body);
    if (c.body !== "" || c.deleted) li.appendChild(body);
    if (c.hidden && c.body !== null) {
      var note = document.createElement("p");
      note.className = "muted small";
      note.textContent = "Bí thư đã ẩn góp ý này" + (c.hidden_reason ? ": " + c.hidden_reason : "") + ".";
      li.appendChild(note);
    }
    if (!pending && c.id && !c.deleted) li.appendChild(actions(c));
    return li;
  }
  function actions(c) {
    var box = document.createElement("div");
    box.className = "comment-actions";
    function button(label, handler, icon) {
      var b = document.createElement("button"), drawn = icons && icons.content.querySelector(".i-" + icon);
      b.type = "button"; b.className = "secondary small";
      if (drawn) b.appendChild(drawn.cloneNode(true));  // the page's own icons (#comment-icons)
      b.appendChild(document.createTextNode(label));
      b.addEventListener("click", handler);
      box.appendChild(b);
      return b;
    }
    if (!c.parent && form && !c.hidden) button("Trả lời", function () { target({parent: c.id, label: "Trả lời " + c.author.name, paragraph: c.paragraph}); }, "comment");
    var fresh = Date.now() - new Date(c.created_at).getTime() < editMinutes * 60000;
    if (c.author.id === me && fresh && !c.hidden) {
      button("Sửa", function () { editForm(c, box); }, "edit").setAttribute("data-action", "edit");
      button("Xóa", function () { if (window.confirm("Xóa góp ý này?")) change("delete", {comment: c.id}); }, "x");
    }
    if (moderator && !c.hidden) button("Ẩn", function () { hideForm(c, box); }, "ban");
    if (moderator && c.hidden) button("Hiện lại", function () { change("unhide", {comment: c.id}); }, "eye");
    return box;
  }
  /* The secretary hides a comment with a reason its author is shown (a form under the
     comment, not a prompt); "Hiện lại" undoes it. Both go to every reader live. */
  var REASON_MAX = 500;  // moderation.HIDE_REASON_MAX
  function hideForm(c, box) {
    var li = box.parentNode, open = li.querySelector(".hide-form");
    if (open) { open.querySelector("textarea").focus(); return; }
    var f = document.createElement("form"), id = "hide-reason-" + c.id;
    f.className = "hide-form"; f.noValidate = true;
    var label = document.createElement("label"), reason = document.createElement("textarea");
    var error = document.createElement("p"), row = document.createElement("div");
    var go = document.createElement("button"), back = document.createElement("button");
    label.htmlFor = id; label.textContent = "Lý do ẩn (tác giả sẽ thấy lý do này)";
    reason.id = id; reason.name = "reason"; reason.rows = 2; reason.maxLength = REASON_MAX; reason.required = true;
    error.className = "field-error"; error.id = id + "-error"; error.hidden = true;
    reason.setAttribute("aria-describedby", error.id);
    row.className = "composer-actions";
    go.type = "submit"; go.className = "danger"; go.textContent = "Ẩn góp ý";
    back.type = "button"; back.textContent = "Thôi";
    row.appendChild(go); row.appendChild(back);
    [label, reason, error, row].forEach(function (node) { f.appendChild(node); });
    function refuse(message) {
      error.textContent = message; error.hidden = false; error.setAttribute("role", "alert");
      reason.setAttribute("aria-invalid", "true"); go.disabled = false; reason.focus();
    }
    back.addEventListener("click", function () { li.removeChild(f); });
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = reason.value.replace(/\s+/g, " ").trim();
      if (!text) { refuse("Vui lòng ghi lý do ẩn góp ý (tác giả sẽ thấy lý do này)."); return; }
      go.disabled = true;
      change("hide", {comment: c.id, reason: text}, refuse);
    });
    li.appendChild(f);
    reason.focus();
  }
  /* "Sửa" opens the comment's words in a form in the comment itself (never window.prompt: one
     small line, and some Android WebViews drop it): the server's words when it refuses, and
     the text kept in the box until it is saved, whatever the network
     does. While it is open, live updates of this comment wait (show() keeps the newest). */
  var BODY_MAX = 5000;  // operations.MAX_BODY (and the composer's maxlength)
  function editForm(c, box) {
    var li = box.parentNode, open = li.querySelector(".edit-form");
    if (open) { open.querySelector("textarea").focus(); return; }
    var f = document.createElement("form"), id = "edit-body-" + c.id;
    f.className = "edit-form"; f.noValidate = true;
    var label = document.createElement("label"), body = document.createElement("textarea");
    var error = document.createElement("p"), row = document.createElement("div");
    var save = document.createElement("button"), back = document.createElement("button");
    label.htmlFor = id; label.textContent = "Sửa góp ý của đồng chí";
    body.id = id; body.name = "body"; body.rows = 4; body.maxLength = BODY_MAX; body.value = c.body || "";
    body.setAttribute("enterkeyhint", "enter");
    error.className = "field-error"; error.id = id + "-error"; error.hidden = true;
    body.setAttribute("aria-describedby", error.id);
    row.className = "composer-actions";
    save.type = "submit"; save.className = "primary"; save.textContent = "Lưu";
    back.type = "button"; back.textContent = "Hủy";
    row.appendChild(save); row.appendChild(back);
    [label, body, error, row].forEach(function (node) { f.appendChild(node); });
    // What the form stands in for while open: the words, "Xem thêm" and the buttons.
    var covered = Array.prototype.filter.call(li.children, function (node) {
      return node.classList.contains("comment-body") || node.classList.contains("more") || node === box;
    });
    covered.forEach(function (node) { node.hidden = true; });
    function refuse(message) {
      error.textContent = message; error.hidden = false; error.setAttribute("role", "alert");
      body.setAttribute("aria-invalid", "true"); save.disabled = false; save.textContent = "Lưu"; body.focus();
    }
    function close() {
      li.classList.remove("editing");
      if (f.parentNode) li.removeChild(f);
      covered.forEach(function (node) { node.hidden = false; });
    }
    function backToComment() {  // the finger (and a screen reader) back on the comment's "Sửa"
      var again = document.getElementById("c-" + c.id), edit = again && again.querySelector("[data-action=edit]");
      if (edit) edit.focus();
    }
    function cancel() {
      close();
      var newer = li.newer;  // changed meanwhile (another tab, the secretary): drawn now
      li.newer = null;
      if (newer) show(newer, true);
      backToComment();
    }
    back.addEventListener("click", cancel);
    f.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); cancel(); }
      else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); save.click(); }
    });
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      if (save.disabled) return;
      // Only what the composer checks too; the server's other refusals come back in its words.
      if (!body.value.trim()) { refuse("Góp ý đang để trống."); return; }
      if (body.value === (c.body || "")) { cancel(); return; }  // nothing changed: nothing to send
      error.hidden = true; body.removeAttribute("aria-invalid");
      save.disabled = true; save.textContent = "Đang lưu…";
      change("edit", {comment: c.id, body: body.value}, refuse, function (stored) {
        li.newer = null;
        close();
        show(stored, true);  // the stored copy in the form's place
        backToComment();
      });
    });
    li.classList.add("editing");
    li.insertBefore(f, box);
    body.focus();
    body.setSelectionRange(body.value.length, body.value.length);
  }
  function place(li, c) {  // a comment stored or waiting to go: "no comments yet" no longer
    var none = document.getElementById("no-comments");
    if (none) none.hidden = true;
    if (!c.parent) { list.appendChild(li); return; }
    var parent = document.getElementById("c-" + c.parent);
    if (!parent) { list.appendChild(li); return; }
    var holder = parent.nextElementSibling;
    if (!holder || !holder.classList.contains("replies")) {
      holder = document.createElement("li");
      holder.className = "replies";
      holder.appendChild(document.createElement("ol"));
      parent.parentNode.insertBefore(holder, parent.nextSibling);
    }
    holder.firstChild.appendChild(li);
  }
  function show(c, redraw) {
    if (c.document !== docId) return;
    var byId = document.getElementById("c-" + c.id);
    var byClient = c.client_id ? list.querySelector("[data-client='" + c.client_id + "'].pending") : null;
    if (byId && byClient) { byClient.parentNode.removeChild(byClient); byClient = null; }
    var existing = byId || byClient;
    if (existing && existing.classList.contains("editing")) {
      // Its form stays as typed; the newest copy is drawn when the form closes unsaved.
      var held = existing.newer ? existing.newer.version : parseInt(existing.getAttribute("data-version") || "0", 10);
      if (c.version > held || redraw && c.version >= held) {
        existing.newer = c;
        existing.setAttribute("data-newer-version", c.version);
      }
      lastId = Math.max(lastId, c.id);
      return;
    }
    var li = draw(c);
    if (existing) {
      var version = parseInt(existing.getAttribute("data-version") || "0", 10);
      if (redraw || existing.classList.contains("pending") || c.version > version) existing.parentNode.replaceChild(li, existing);
    } else {
      place(li, c);
    }
    clampAll(li);
    lastId = Math.max(lastId, c.id);
    recount();
  }
  function recount() {
    var live = list.querySelectorAll(".comment:not(.pending)");
    var shown = 0, perParagraph = {};
    Array.prototype.forEach.call(live, function (li) {
      if (li.classList.contains("deleted")) return;
      shown += 1;
      var n = li.getAttribute("data-paragraph");
      if (n) perParagraph[n] = (perParagraph[n] || 0) + 1;
    });
    document.getElementById("comment-count").textContent = "(" + shown + ")";
    Array.prototype.forEach.call(document.querySelectorAll(".pc"), function (badge) {
      var n = badge.getAttribute("data-n");
      if (!perParagraph[n]) badge.parentNode.removeChild(badge);
    });
    Object.keys(perParagraph).forEach(function (n) {
      var p = document.getElementById("p-" + n);
      if (!p) return;
      var badge = p.querySelector(".pc");
      if (!badge) {
        badge = document.createElement("a");
        badge.className = "pc"; badge.href = "#comments"; badge.setAttribute("data-n", n);
        p.appendChild(document.createTextNode(" ")); p.appendChild(badge);
      }
      badge.textContent = perParagraph[n] + " góp ý";
    });
  }

  /* --- others' new comments wait behind a button --------------------------------------- */
  var banner = document.getElementById("new-comments");
  function queueOthers(c) {
    if (document.getElementById("c-" + c.id)) { show(c); return; }
    waiting.push(c);
    lastId = Math.max(lastId, c.id);
    banner.textContent = waiting.length + " góp ý mới — chạm để xem";
    banner.hidden = false;
  }
  banner.addEventListener("click", function () {
    waiting.splice(0).forEach(show);
    banner.hidden = true;
  });

  /* --- sending --------------------------------------------------------------------------- */
  var socket = window.handbookSocket || null;
  function connected() { return socket && socket.connected; }
  var retry = null;
  function settle(item, ack) {
    if (ack && ack.ok) { dropFromOutbox(item.client_id); show(ack.comment); return true; }
    var li = list.querySelector("[data-client='" + item.client_id + "']");
    if (ack && ack.status === 429) {  // too fast: say so, and send it when the limit allows
      if (li) li.querySelector(".muted").textContent = " " + ack.error;
      clearTimeout(retry);
      retry = setTimeout(flushOutbox, (ack.retry_after || 20) * 1000);
      return false;
    }
    if (ack && ack.status && ack.status < 500) {
      dropFromOutbox(item.client_id);  // refused for good: say why, keep the text visible
      if (li) {
        li.classList.remove("pending"); li.classList.add("failed");
        li.querySelector(".muted").textContent = " chưa gửi được: " + ack.error;
      }
      return true;
    }
    return false;  // keep it in the outbox; it goes again on the next connect
  }
  function viaHttp(item) {
    return fetch("/api/v1/documents/" + docId + "/comments", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify({client_id: item.client_id, body: item.body, paragraph: item.paragraph, parent: item.parent})
    }).then(function (r) {
      return r.json().then(function (body) {
        return r.ok ? {ok: true, comment: body.comment} : {ok: false, status: r.status, error: body.error && body.error.message};
      });
    });
  }
  // Recordings go over HTTP (voice.js, loaded the first time one is needed).
  var voiceJs = null;
  function withVoice(then) {
    if (window.handbookVoice) { then(window.handbookVoice); return; }
    if (!voiceJs) {
      voiceJs = document.createElement("script");
      voiceJs.src = root.getAttribute("data-voice");
      document.head.appendChild(voiceJs);
    }
    voiceJs.addEventListener("load", function () { then(window.handbookVoice); });
  }
  function send(item) {
    if (item.voice) {
      withVoice(function (v) { v.send(item, csrf).then(function (ack) { settle(item, ack); }, function () { /* stays queued */ }); });
    } else if (connected()) {
      socket.timeout(15000).emit("comment.post", item, function (err, ack) { if (!err) settle(item, ack); });
    } else {
      viaHttp(item).then(function (ack) { settle(item, ack); }).catch(function () { /* offline: stays queued */ });
    }
  }
  function flushOutbox() {
    readOutbox().filter(function (i) { return i.document === docId; }).forEach(send);
  }
  // fail(message): said where it was asked, else an alert; done(comment): draws the stored copy
  function change(action, data, fail, done) {
    var say = fail || function (message) { window.alert(message); };
    if (!connected()) { say("Đang mất kết nối, vui lòng thử lại sau."); return; }
    socket.timeout(15000).emit("comment." + action, data, function (err, ack) {
      if (err) say("Chưa gửi được, vui lòng thử lại.");
      else if (!ack.ok) say(ack.error);
      else if (done) done(ack.comment);
      else show(ack.comment, true);
    });
  }

  /* --- the composer: where it points, and sending without losing a word ---------------- */
  if (form) {
    var text = form.querySelector("textarea");
    var label = document.getElementById("composer-target");
    var reset = document.getElementById("composer-reset");
    var error = document.getElementById("composer-error");
    var home = form.parentNode, homeNext = form.nextSibling;
    var current = {paragraph: null, parent: null};
    var target = function (to) {
      current = {paragraph: to.paragraph || null, parent: to.parent || null};
      label.textContent = to.label;
      reset.hidden = false;
      var anchor = to.parent ? document.getElementById("c-" + to.parent) : document.getElementById("p-" + to.paragraph);
      if (anchor) anchor.parentNode.insertBefore(form, anchor.nextSibling);  // moves; the text stays
      text.focus();
    };
    reset.addEventListener("click", function () {
      current = {paragraph: null, parent: null};
      label.textContent = "Góp ý chung cho tài liệu";
      reset.hidden = true;
      home.insertBefore(form, homeNext);
    });
    // Tapping a paragraph opens a small menu (player.js): "nghe từ đây" or "góp ý đoạn này".
    window.addEventListener("handbook:comment-on", function (event) {
      var n = event.detail.n;
      target({paragraph: n, label: "Góp ý về đoạn " + quote(n, 60)});
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = text.value.trim();
      error.hidden = true;
      if (!body) { error.textContent = "Góp ý đang để trống."; error.hidden = false; return; }
      queue({body: body});
      text.value = "";
    });
    // Into the outbox, drawn as "đang gửi…", sent: a written comment, or a recording (voice.js).
    var queue = function (extra) {
      var item = {document: docId, client_id: newClientId(), body: extra.body || "", paragraph: current.paragraph, parent: current.parent,
                  voice: extra.voice, mime: extra.mime, seconds: extra.seconds};
      var outbox = readOutbox(); outbox.push(item); writeOutbox(outbox);
      place(draw({id: 0, client_id: item.client_id, author: {id: me, name: "Tôi"}, body: item.body, paragraph: item.paragraph, parent: item.parent,
                  voice: item.voice && {url: "data:" + item.mime + ";base64," + item.voice, seconds: item.seconds}, created_at: new Date().toISOString()}, true), item);
      send(item);
    };
    var mic = document.getElementById("voice-start");
    if (window.MediaRecorder && navigator.mediaDevices) {
      mic.hidden = false;
      var speak = function (event) {  // hold to talk; a tap (or a key) starts, a second tap sends
        mic.down = event.type === "pointerdown";  // still down when voice.js has loaded?
        if (mic.down || !event.detail) withVoice(function (v) { v.record(mic, event, queue, error); });
      };
      mic.addEventListener("pointerdown", speak);
      mic.addEventListener("click", speak);
      document.addEventListener("pointerup", function () { mic.down = false; }, true);
    }
  }

  /* --- live: join, resync, and the calm connection notice ------------------------------ */
  var conn = document.getElementById("conn");
  var downTimer = null;
  var firstSync = true;
  function resync() {
    // The first time, everything (to give the drawn comments their buttons); then what was missed.
    var after = firstSync ? null : (lastId || null);
    socket.timeout(15000).emit("comments.join", {document: docId, after: after, since: syncedAt}, function (err, ack) {
      if (err || !ack || !ack.ok) return;
      syncedAt = ack.now;
      var redraw = firstSync;
      firstSync = false;
      ack.comments.forEach(function (c) {
        if (document.getElementById("c-" + c.id)) show(c, redraw);
        else if (c.author.id === me) show(c);
        else queueOthers(c);
      });
      // Drawn again when it is mine: the server's copy for me says more than a broadcast did
      // (my words and the reason the secretary hid them).
      ack.changed.forEach(function (c) { if (document.getElementById("c-" + c.id)) show(c, c.author.id === me); });
      flushOutbox();
    });
  }
  if (socket) {
    socket.on("connect", function () {
      clearTimeout(downTimer); downTimer = null; conn.hidden = true;
      resync();
    });
    socket.on("disconnect", function () {
      if (!downTimer) downTimer = setTimeout(function () { conn.hidden = false; }, 4000);
    });
    socket.on("comment.new", function (c) {
      if (c.document !== docId) return;
      if (c.author.id !== me) { queueOthers(c); return; }
      // My own comment: while one of mine still waits for its ack, let the ack (which follows
      // the broadcast on the same connection) draw it, so it never shows twice, even briefly.
      if (list.querySelector(".comment.pending")) setTimeout(function () { show(c); }, 2000);
      else show(c);
    });
    socket.on("comment.changed", function (c) {
      if (!document.getElementById("c-" + c.id)) return;
      show(c);
      // Mine was hidden: a broadcast carries nobody's words; ask for my copy and the reason.
      if (c.hidden && c.author.id === me) resync();
    });
    if (socket.connected) resync();
    // A broadcast can be lost while the message queue between server processes is down; the
    // database is not. Ask now and then, and when the phone's screen comes back on.
    setInterval(function () { if (connected()) resync(); }, 30000);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && connected()) resync();
    });
  } else {
    flushOutbox();  // no Socket.IO at all: the HTTP API carries the outbox
  }
  window.addEventListener("online", function () { if (!connected()) flushOutbox(); });
  recount();
  clampAll(list);
})();
