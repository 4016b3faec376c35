/* Voice comments, loaded only when a member first taps "Nói góp ý" (or when a recording waits
   in the outbox): records Opus with MediaRecorder, at most 2 minutes, and sends a recording
   over HTTP. Hold the button to talk and let go to send; or tap it to start and tap "Dừng và
   gửi" to send, for members who cannot hold. "Hủy" throws the recording away. The server
   checks what it gets (container, length, size); the recording waits in the outbox (as
   base64, with the comment's client_id) until the server has it. */
(function () {
  "use strict";

  var LIMIT_S = 120, HOLD_MS = 700, MAX_BYTES = 600000;
  var TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm"];
  var busy = false;

  function clock(s) { return Math.floor(s / 60) + ":" + ("0" + Math.floor(s % 60)).slice(-2); }
  function button(label, className) {
    var b = document.createElement("button");
    b.type = "button"; b.className = className; b.textContent = label;
    return b;
  }

  function record(mic, event, queue, error) {
    if (busy) return;
    var type = TYPES.filter(function (t) { return MediaRecorder.isTypeSupported(t); })[0];
    error.hidden = true;
    if (!type) { say(error, "Trình duyệt này chưa ghi âm được. Đồng chí hãy viết góp ý."); return; }
    busy = true;
    // Still pressed? (This file may have loaded after the finger was lifted: then it was a tap.)
    var released = false, held = mic.down;
    if (held) document.addEventListener("pointerup", function () { released = true; }, {once: true});

    var panel = document.createElement("div");
    panel.className = "recorder";
    panel.setAttribute("role", "group");
    panel.setAttribute("aria-label", "Ghi âm góp ý");
    var time = document.createElement("p");
    time.className = "rec-time"; time.textContent = "Đang mở micrô…";
    var hint = document.createElement("p");
    hint.className = "muted small";
    var row = document.createElement("div");
    row.className = "composer-actions";
    var done = button("Dừng và gửi", "primary"), cancel = button("Hủy", "danger");
    row.appendChild(done); row.appendChild(cancel);
    panel.appendChild(time); panel.appendChild(hint); panel.appendChild(row);
    mic.parentNode.parentNode.insertBefore(panel, mic.parentNode.nextSibling);

    var stream = null, recorder = null, parts = [], started = 0, tick = null, keep = false, stopped = false;
    function finish() {
      clearInterval(tick);
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      if (panel.parentNode) panel.parentNode.removeChild(panel);
      busy = false;
      mic.focus();
    }
    function stop(send) {  // once: a lifted finger and a tap on a button may both ask
      if (stopped) return;
      stopped = true; keep = send;
      if (recorder && recorder.state !== "inactive") recorder.stop(); else finish();
    }
    done.addEventListener("click", function () { stop(true); });
    cancel.addEventListener("click", function () { stop(false); });

    navigator.mediaDevices.getUserMedia({audio: true}).then(function (s) {
      stream = s;
      if (!busy) { finish(); return; }
      recorder = new MediaRecorder(s, {mimeType: type, audioBitsPerSecond: 24000});
      recorder.ondataavailable = function (e) { if (e.data.size) parts.push(e.data); };
      recorder.onstop = function () {
        var seconds = Math.min(LIMIT_S, Math.round((Date.now() - started) / 1000));
        var blob = new Blob(parts, {type: type.split(";")[0]});
        finish();
        if (!keep) return;
        if (blob.size > MAX_BYTES) { say(error, "Bản ghi âm quá lớn: tối đa 600 KB (khoảng 2 phút nói)."); return; }
        var reader = new FileReader();
        reader.onload = function () {
          queue({voice: String(reader.result).split(",")[1], mime: blob.type, seconds: seconds});
        };
        reader.readAsDataURL(blob);
      };
      recorder.start(1000);
      started = Date.now();
      // Let go after holding: send. Let go at once (a tap): keep recording until "Dừng và gửi".
      if (held && !released) {
        hint.textContent = "Thả tay để gửi. Muốn bỏ: kéo ngón tay ra khỏi nút rồi mới thả.";
        document.addEventListener("pointerup", function (up) {
          if (Date.now() - started < HOLD_MS) { hint.textContent = "Bấm “Dừng và gửi” khi nói xong."; return; }
          var r = mic.getBoundingClientRect();
          stop(up.clientX >= r.left && up.clientX <= r.right && up.clientY >= r.top && up.clientY <= r.bottom);
        }, {once: true});
      } else {
        hint.textContent = "Bấm “Dừng và gửi” khi nói xong.";
      }
      var show = function () {
        var s = (Date.now() - started) / 1000;
        time.textContent = "● Đang ghi " + clock(s) + " / " + clock(LIMIT_S);
        if (s >= LIMIT_S) stop(true);  // two minutes at most: what was said is sent
      };
      show();
      tick = setInterval(show, 250);
    }, function (e) {
      finish();
      say(error, e && e.name === "NotFoundError" ? "Máy không có micrô. Đồng chí hãy viết góp ý."
        : "Chưa dùng được micrô. Đồng chí hãy cho phép trang này dùng micrô (trong cài đặt trình duyệt) rồi thử lại.");
    });
  }
  function say(node, text) { node.textContent = text; node.hidden = false; }

  // One recording to the server: its answer like the socket's ack. A network failure rejects
  // (the outbox keeps it); an answer that is not ours (a sign-in page) counts as "try later".
  function send(item, csrf) {
    var raw = atob(item.voice), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    var form = new FormData();
    form.append("client_id", item.client_id);
    if (item.paragraph) form.append("paragraph", item.paragraph);
    if (item.parent) form.append("parent", item.parent);
    form.append("audio", new Blob([bytes], {type: item.mime}), "gop-y." + (/ogg/.test(item.mime) ? "ogg" : "webm"));
    return fetch("/documents/" + item.document + "/comments/voice", {
      method: "POST", credentials: "same-origin", body: form,
      headers: {"X-CSRFToken": csrf, "Accept": "application/json"}
    }).then(function (r) {
      return r.json().catch(function () {
        var final = r.status >= 400 && r.status < 500;
        return {ok: false, status: final ? r.status : 503, error: "Máy chủ chưa nhận bản ghi (mã " + r.status + ")."};
      });
    });
  }

  window.handbookVoice = {record: record, send: send};
})();
