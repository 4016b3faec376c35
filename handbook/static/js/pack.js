/* The meeting pack on the meeting page: the worker (sw.js) keeps the meeting's page, every
   document's page and timing map, and the recordings (on Wi-Fi, when this phone was told
   "Luôn tải bản đọc", or when the member presses "Tải trọn bộ buổi họp"). Opening the page asks
   for it; the line says what is really kept for this meeting on this phone. */
(function () {
  "use strict";

  var box = document.getElementById("pack");
  var sw = navigator.serviceWorker;
  if (!box) return;
  if (!sw || !window.caches) { box.hidden = true; return; }
  var packPath = box.getAttribute("data-pack");
  var stored = document.getElementById("pack-stored");
  var button = document.getElementById("pack-download");
  var bar = document.getElementById("pack-progress");
  var result = document.getElementById("pack-result");
  var always = document.getElementById("pack-always");
  var DEVICE = "handbook-device", ALWAYS_AUDIO = "/__device/always-audio";
  var asked = false;
  box.classList.remove("awaits-js");  // its place was kept: nothing below moves

  function size(bytes) {
    if (bytes < 1024 * 1024) return Math.max(1, Math.round(bytes / 1024)) + " KB";
    var mb = bytes / (1024 * 1024);
    return (mb < 10 ? mb.toFixed(1).replace(".", ",") : String(Math.round(mb))) + " MB";
  }
  function bytesOf(response) {
    if (!response) return Promise.resolve(0);
    var length = parseInt(response.headers.get("Content-Length") || "", 10);
    return isNaN(length) ? response.blob().then(function (b) { return b.size; }) : Promise.resolve(length);
  }

  /* --- what is kept for this meeting on this phone, counted from the caches themselves --- */
  function showStored() {
    return Promise.all([caches.open("handbook-pages"), caches.open("handbook-audio")]).then(function (open) {
      var pages = open[0], audio = open[1];
      return pages.match(packPath).then(function (r) { return r ? r.json() : null; }).then(function (pack) {
        if (!pack) return null;
        return Promise.all(pack.documents.map(function (d) {
          return Promise.all([
            pages.match(d.page),
            pages.match(d.audio_json),
            audio.match(d.page + "/audio.mp3", {ignoreSearch: true})
          ]);
        })).then(function (found) {
          var documents = 0, recordings = 0, sizes = [pages.match(pack.page).then(bytesOf)];
          found.forEach(function (f) {
            if (f[0]) documents += 1;
            if (f[2]) recordings += 1;
            sizes.push(bytesOf(f[0]), bytesOf(f[1]), bytesOf(f[2]));
          });
          return Promise.all(sizes).then(function (all) {
            var total = all.reduce(function (a, b) { return a + b; }, 0);
            return "Đã lưu trên máy: " + documents + " tài liệu, " + recordings + " bản đọc, " + size(total);
          });
        });
      });
    }).then(function (line) {
      stored.textContent = line || "Buổi họp này chưa được lưu trên máy.";
    }).catch(function () { stored.textContent = ""; });
  }

  function ask(byMember) {
    asked = asked || byMember;
    if (byMember) {
      button.disabled = true;
      button.textContent = "Đang tải…";
      bar.value = 0; bar.hidden = false;
      result.hidden = true;
    }
    return sw.ready.then(function (registration) {
      var worker = sw.controller || registration.active;
      if (worker) worker.postMessage({type: "pack", pack: packPath, asked: byMember, page: !byMember});
    });
  }

  sw.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.pack !== packPath) return;
    if (data.type === "pack-progress") {
      bar.value = Math.round(100 * data.done / Math.max(1, data.total));
      return;
    }
    if (data.type !== "pack-done" && data.type !== "pack-failed") return;
    showStored();
    if (!asked || !data.summary && data.type === "pack-done") return;
    if (data.type === "pack-done" && !data.summary.asked) return;  // an automatic run ended
    asked = false;
    bar.hidden = true;
    button.disabled = false;
    button.textContent = "Tải trọn bộ buổi họp";
    result.hidden = false;
    if (data.type === "pack-failed") {
      result.textContent = "Chưa tải được (mạng yếu hoặc mất mạng). Hãy thử lại khi có mạng.";
      return;
    }
    var s = data.summary;
    var text = "Đã tải xong." + (s.failed ? " " + s.failed + " mục chưa tải được, hãy thử lại." : "");
    if (s.skipped) text += " " + s.skipped + " bản đọc chưa tải vì máy không còn đủ chỗ dành cho bản đọc.";
    result.textContent = text;
  });
  if (sw.startMessages) sw.startMessages();

  button.addEventListener("click", function () { ask(true); });

  /* --- "Luôn tải bản đọc": a choice of this phone (not of the member), read by the worker -- */
  caches.open(DEVICE).then(function (cache) { return cache.match(ALWAYS_AUDIO); })
    .then(function (entry) { return entry ? entry.text() : ""; })
    .then(function (text) { always.checked = text === "1"; }).catch(function () {});
  always.addEventListener("change", function () {
    var on = always.checked;
    caches.open(DEVICE).then(function (cache) {
      return on ? cache.put(ALWAYS_AUDIO, new Response("1")) : cache.delete(ALWAYS_AUDIO);
    }).then(function () { if (on) ask(true); }).catch(function () {});
  });

  showStored();
  ask(false);
})();
