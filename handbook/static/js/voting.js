/* Votes (templates/voting/*.html, and the meeting page's part):
   - a ballot is kept on the phone (localStorage, with its own client_id) from the tap until the
     server acks it, and sent once more on every reconnect until then: the server answers the
     same client_id as the first time, so nothing is counted twice; a vote closed meanwhile is
     said ("Biểu quyết đã kết thúc trước khi phiếu của đồng chí được gửi.");
   - a secret ballot's choice leaves the phone's storage as soon as the server has it, and is
     never shown again: the page only says the ballot was recorded;
   - "vote.join" answers the votes as they are now (a screen that reconnects is whole again);
     "vote.progress" moves "Đã biểu quyết: 3/5", "vote.opened" and "vote.closed" redraw.
   Without Socket.IO the ballot goes over the HTTP API; without JavaScript the forms post. */
(function () {
  "use strict";
  var ballot = document.getElementById("ballot");
  var desk = document.getElementById("votes");
  var onMeeting = document.getElementById("meeting-votes");
  var root = ballot || desk || onMeeting;
  if (!root) return;
  var meetingId = parseInt(root.getAttribute("data-meeting"), 10);
  var socket = window.handbookSocket || null;
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  function connected() { return socket && socket.connected; }

  /* --- "Đã biểu quyết: 3/5" -------------------------------------------------------------- */
  function progress(voteId, cast, eligible) {
    var scope = ballot || document.getElementById("vote-" + voteId);
    if (!scope || (ballot && String(voteId) !== ballot.getAttribute("data-vote"))) return;
    var castNode = scope.querySelector("[data-cast]"), eligibleNode = scope.querySelector("[data-eligible]");
    // Counts only grow while a vote is open: a push that overtook a later one changes nothing.
    if (castNode && cast >= parseInt(castNode.textContent, 10)) castNode.textContent = String(cast);
    if (eligibleNode && typeof eligible === "number") eligibleNode.textContent = String(eligible);
  }
  function statusOf(voteId) {
    var node = ballot && String(voteId) === ballot.getAttribute("data-vote") ? ballot : document.getElementById("vote-" + voteId);
    return node ? node.getAttribute("data-status") : null;
  }

  /* --- the ballot ------------------------------------------------------------------------ */
  var voteId = ballot ? parseInt(ballot.getAttribute("data-vote"), 10) : null;
  var KEY = ballot ? "handbook.ballot." + ballot.getAttribute("data-user") + "." + voteId : null;
  var NOTICE = ballot ? "handbook.ballot-notice." + voteId : null;
  var form = document.getElementById("ballot-form");
  var state = document.getElementById("ballot-state");
  var sending = false;

  function kept() {
    try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }
  function keep(item) { try { localStorage.setItem(KEY, JSON.stringify(item)); } catch (e) { /* private mode */ } }
  function forget() { try { localStorage.removeItem(KEY); } catch (e) { /* private mode */ } }
  function newClientId() {
    var raw = window.crypto && crypto.randomUUID ? crypto.randomUUID()
      : Date.now().toString(36) + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
    return raw.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 64);
  }
  function say(text, kind) {
    if (!state) return;
    state.textContent = text;
    state.className = "flash" + (kind ? " flash-" + kind : "");
    state.hidden = false;
  }
  function disable(on) {
    if (!form) return;
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = on; });
  }
  function labelOf(optionId) {
    var button = form && form.querySelector("button[value='" + optionId + "']");
    return button ? button.textContent.trim() : "";
  }
  function recorded(ack) {
    forget();
    var mine = ack.vote && ack.vote.mine;
    if (form) form.hidden = true;
    var chosen = mine && mine.option ? labelOf(mine.option) : "";
    say("Đã ghi nhận phiếu của đồng chí" + (chosen ? ": " + chosen : "") + ".", "success");
    if (ack.vote) progress(voteId, ack.vote.cast, ack.vote.eligible);
  }
  function settle(ack) {
    sending = false;
    if (ack && ack.ok) { recorded(ack); return; }
    if (ack && ack.status && ack.status < 500) {
      forget();  // refused for good: say why
      if (form) form.hidden = true;
      if (ack.status === 409 && statusOf(voteId) === "open" && /kết thúc/.test(ack.error || "")) {
        // Closed while the ballot waited: the page is redrawn with the result, and says so.
        try { sessionStorage.setItem(NOTICE, ack.error); } catch (e) { /* private mode */ }
        window.location.reload();
        return;
      }
      say(ack.error, "error");
      return;
    }
    waiting();  // no answer (the network went, a 5xx): kept, sent again when the phone is back
  }
  function waiting() {
    sending = false;
    disable(true);
    say("Mạng đang gián đoạn: phiếu được giữ trên máy và sẽ tự gửi khi có mạng.", "");
  }
  function viaHttp(item) {
    return fetch("/api/v1/votes/" + item.vote + "/cast", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify({option: item.option, client_id: item.client_id})
    }).then(function (r) {
      return r.json().then(function (body) {
        return r.ok ? {ok: true, created: body.created, vote: body.vote}
          : {ok: false, status: r.status, error: body.error && body.error.message};
      });
    });
  }
  function send(item) {
    if (sending) return;
    sending = true;
    if (connected()) {
      socket.timeout(15000).emit("vote.cast", item, function (err, ack) {
        if (err) waiting(); else settle(ack);
      });
    } else if (navigator.onLine) {  // the socket is reconnecting (or blocked): plain HTTP
      viaHttp(item).then(settle, waiting);
    } else {
      waiting();
    }
  }
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter || document.activeElement;
      if (!button || button.name !== "option") return;
      var item = {vote: voteId, option: parseInt(button.value, 10), client_id: newClientId()};
      keep(item);
      disable(true);
      say("Đang gửi phiếu…", "");
      send(item);
    });
    if (kept()) { disable(true); say("Phiếu của đồng chí đang chờ gửi…", ""); }
  }
  // A ballot kept from before (the page reloaded, the phone was off): sent on connecting, or
  // now over HTTP where the page has no socket. The server says recorded, or closed meanwhile.
  if (KEY && kept() && !socket) send(kept());
  if (NOTICE) {
    var notice = null;
    // A kept copy shown first (a slow network) is replaced by the fresh page in a moment: the
    // notice is said on both, and spent on the fresh one only.
    var fresh = !document.body.hasAttribute("data-kept-at");
    try {
      notice = sessionStorage.getItem(NOTICE);
      if (fresh) sessionStorage.removeItem(NOTICE);
    } catch (e) { /* private mode */ }
    if (notice) say(notice, "error");
  }
  window.addEventListener("online", function () { var item = KEY && kept(); if (item && !connected()) send(item); });

  /* --- live ------------------------------------------------------------------------------ */
  function opened(vote) {
    if (desk) { if (statusOf(vote.id) !== "open") window.location.reload(); return; }
    if (!onMeeting || document.querySelector("#meeting-votes [data-vote='" + vote.id + "']")) return;
    var note = document.getElementById("vote-opened"), link = note.querySelector("a");
    link.href = "/votes/" + vote.id;
    link.textContent = "Biểu quyết đang mở: “" + vote.title + "”. Bấm để biểu quyết.";
    note.hidden = false;
  }
  function closed(vote) {
    if (statusOf(vote.id) === "closed") return;
    if (ballot && vote.id !== voteId) return;
    if (ballot && kept()) return;  // the ballot waiting goes first; its answer redraws
    if (ballot || desk) { window.location.reload(); return; }
    var line = document.querySelector("#meeting-votes [data-vote='" + vote.id + "'] .vote-line");
    if (line && vote.result) line.textContent = vote.result.verdict;
  }
  if (!socket) return;
  function join() {
    var item = KEY && kept();
    if (item) send(item);
    socket.emit("vote.join", {meeting: meetingId}, function (ack) {
      if (!ack || !ack.ok) return;
      ack.votes.forEach(function (v) {
        if (v.status === "open") { opened(v); progress(v.id, v.cast, v.eligible); }
        else if (v.status === "closed") closed(v);
      });
      root.setAttribute("data-live", "1");
    });
  }
  var conn = document.getElementById("vote-conn"), downTimer = null;
  socket.on("connect", function () {
    clearTimeout(downTimer); downTimer = null;
    if (conn) conn.hidden = true;
    join();
  });
  socket.on("disconnect", function () {
    root.removeAttribute("data-live");
    if (conn && !downTimer) downTimer = setTimeout(function () { conn.hidden = false; }, 4000);
  });
  if (socket.connected) join();
  socket.on("vote.progress", function (d) { if (d.meeting === meetingId) progress(d.vote, d.cast, d.eligible); });
  socket.on("vote.opened", function (d) { if (d.meeting === meetingId) opened(d.vote); });
  socket.on("vote.closed", function (d) { if (d.meeting === meetingId) closed(d.vote); });
})();
