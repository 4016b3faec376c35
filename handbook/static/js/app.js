/* Live notifications, document progress, the header's menus and the reading size. Small, no
   framework, no build step. Everything also works without it: pages reload, forms post.
   (The secretary's uploads are in forms.js, loaded where there is something to upload.) */
(function () {
  "use strict";

  var unread = document.getElementById("unread");
  /* A notice a member cannot miss: it stays until tapped (it opens what it is about) or
     closed, and says what the phone's own notification would say. */
  var popup = document.getElementById("notice-popup");
  function showNotice(data) {
    if (!popup) return;
    var link = popup.querySelector(".notice-link");
    var url = typeof data.url === "string" && data.url.charAt(0) === "/" && data.url.charAt(1) !== "/" ? data.url : "/notifications";
    link.href = url;
    link.querySelector(".notice-title").textContent = data.notice || data.title || "Có thông báo mới";
    link.querySelector(".notice-detail").textContent = data.detail || "";
    popup.hidden = false;
  }
  if (popup) {
    popup.querySelector(".notice-close").addEventListener("click", function () { popup.hidden = true; });
  }

  function setUnread(count) {
    if (!unread) return;
    unread.textContent = String(count);
    unread.hidden = !count;
  }

  /* --- documents being read by the server: progress until ready ------------------------ */
  function pendingDocuments() {
    return Array.prototype.slice.call(
      document.querySelectorAll("[data-document][data-status=queued], [data-document][data-status=processing]"));
  }

  function applyStatus(data) {
    var nodes = document.querySelectorAll("[data-document='" + data.document + "']");
    Array.prototype.forEach.call(nodes, function (node) {
      var was = node.getAttribute("data-status");
      node.setAttribute("data-status", data.status);
      Array.prototype.forEach.call(node.querySelectorAll("progress"), function (bar) { bar.value = data.progress; });
      var text = document.getElementById("progress-text");
      if (text) text.textContent = data.progress + "%";
      var finished = (data.status === "ready" || data.status === "failed") && was !== data.status;
      if (!finished) return;
      if (node.matches("article.reader")) {
        // The reading page needs the text that is now ready; nothing is being typed there yet.
        setTimeout(function () { window.location.reload(); }, 300);
        return;
      }
      // A list of documents: say it in place, never reload under the secretary's fingers.
      var status = node.querySelector(".doc-status");
      if (status) {
        status.textContent = data.status === "ready" ? "" : (data.error || "Không đọc được tệp.");
        status.className = data.status === "ready" ? "doc-status" : "doc-status field-error";
      }
      var meta = node.querySelector(".doc-meta");
      if (meta && data.pages) meta.textContent = meta.textContent.split(" · ")[0] + " · " + data.pages + " trang";
    });
  }

  var pollTimer = null;
  function poll() {
    var pending = pendingDocuments();
    if (!pending.length) { pollTimer = null; return; }
    pending.forEach(function (node) {
      fetch("/documents/" + node.getAttribute("data-document") + "/status", {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) applyStatus(data); })
        .catch(function () {});
    });
    pollTimer = setTimeout(poll, 5000);
  }

  /* --- offline: pages opened once open again without network (static/js/sw.js) -------- */
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* the site works without */ });
  }
  // On the sign-in page nobody is signed in here: whatever the previous person's pages were
  // still writing into the cache when the worker cleared it (sw.js forget()) goes now too.
  if (location.pathname === "/login" && window.caches) {
    caches.delete("handbook-pages").catch(function () {});
    caches.delete("handbook-audio").catch(function () {});
  }
  // A kept copy on screen (the network was too slow, or gone) says so, and from when, for as
  // long as it is shown; the worker tells when the fresh page has come, and the page is
  // replaced by it (a reload the worker answers at once from the copy it has just kept).
  var keptNotice = null;
  function twoDigits(n) { return (n < 10 ? "0" : "") + n; }
  function keptLabel(keptAt) {
    var when = keptAt ? new Date(keptAt) : null;
    if (!when || isNaN(when)) return "";
    return " lúc " + twoDigits(when.getHours()) + ":" + twoDigits(when.getMinutes()) + " ngày " +
      twoDigits(when.getDate()) + "/" + twoDigits(when.getMonth() + 1) + "/" + when.getFullYear();
  }
  function sayKept(text) {
    if (!keptNotice && !text) return;
    if (!keptNotice) {
      keptNotice = document.createElement("p");
      keptNotice.id = "kept-notice";
      keptNotice.className = "kept-notice";
      keptNotice.setAttribute("role", "status");
      var main = document.getElementById("main") || document.body.firstChild;
      document.body.insertBefore(keptNotice, main);
    }
    keptNotice.textContent = text;
    keptNotice.hidden = !text;
  }
  var keptAt = document.body.getAttribute("data-kept-at");
  var sw = navigator.serviceWorker;
  function askForFresh() {
    if (sw && sw.controller) sw.controller.postMessage({type: "kept-shown", path: location.pathname + location.search});
  }
  function replaceWithFresh() {
    // Never a loop: one replacement a page in a short while, else the member chooses.
    var mark = location.pathname + location.search;
    var last = (sessionStorage.getItem("handbook-refreshed") || "").split("@");
    if (last[0] === mark && Date.now() - parseInt(last[1], 10) < 20000) {
      sayKept("Đã có bản mới của trang này: hãy tải lại trang.");
      return;
    }
    sessionStorage.setItem("handbook-refreshed", mark + "@" + Date.now());
    location.reload();
  }
  if (keptAt !== null && sw) {
    sw.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type !== "kept-outcome" || data.path !== location.pathname + location.search) return;
      if (data.state === "fresh" || data.state === "reload") { replaceWithFresh(); return; }
      sayKept("Đang mất kết nối: bạn đang xem bản lưu" + keptLabel(keptAt) + ".");
      // Ask again now and then: when the network is back, the page replaces itself.
      setTimeout(function () { if (document.visibilityState === "visible") askForFresh(); }, 30000);
    });
    if (sw.startMessages) sw.startMessages();
  }
  function offlineNotice() {
    if (keptAt !== null) {
      var updating = document.body.hasAttribute("data-kept-updating");
      sayKept(updating ? "Bản lưu" + keptLabel(keptAt) + " · đang cập nhật…"
        : "Đang mất kết nối: bạn đang xem bản lưu" + keptLabel(keptAt) + ".");
    } else {
      sayKept(navigator.onLine ? "" : "Đang mất kết nối. Những trang đã mở vẫn xem được trên máy này.");
    }
  }
  window.addEventListener("offline", offlineNotice);
  window.addEventListener("online", offlineNotice);
  offlineNotice();
  if (keptAt !== null) askForFresh();

  /* --- Socket.IO: notifications and live progress -------------------------------------- */
  var socket = null;
  if (window.io) {
    // A websocket straight away (one request instead of four long-poll round trips on 3G);
    // where a carrier's proxy refuses websockets, long-polling all the same.
    socket = window.io({reconnectionDelayMax: 10000, transports: ["websocket", "polling"], tryAllTransports: true});
    window.handbookSocket = socket;  // shared with comments.js: one connection per page
    socket.on("connect", function () {
      if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
      pendingDocuments().forEach(function (node) {
        var id = parseInt(node.getAttribute("data-document"), 10);
        socket.emit("document.join", {document: id}, function (ack) {
          if (ack && ack.ok) applyStatus({document: id, status: ack.status, progress: ack.progress});
        });
      });
    });
    socket.on("disconnect", function () { if (!pollTimer) pollTimer = setTimeout(poll, 5000); });
    socket.on("notification", function (data) {
      setUnread(data.unread);
      showNotice(data);
    });
    socket.on("document.status", applyStatus);
  } else if (pendingDocuments().length) {
    pollTimer = setTimeout(poll, 3000);
  }

  /* --- the header's two menus (<details>: they open without us): one open at a time, and
     closed by a tap elsewhere or Escape ------------------------------------------------- */
  var pops = document.querySelectorAll("details.pop");
  function closeMenus(except) {
    Array.prototype.forEach.call(pops, function (d) { if (d !== except) d.open = false; });
  }
  Array.prototype.forEach.call(pops, function (d) {
    d.addEventListener("toggle", function () { if (d.open) closeMenus(d); });
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest("details.pop")) closeMenus(null);
  });
  document.addEventListener("keydown", function (event) {
    var open = event.key === "Escape" && document.querySelector("details.pop[open]");
    if (open) { open.open = false; open.querySelector("summary").focus(); }
  });

  /* --- the reading size: the page changes at once, the account keeps it (a form post
     without us) --------------------------------------------------------------------------- */
  var SIZES = {normal: "", large: "text-large", xlarge: "text-xlarge"};
  document.addEventListener("click", function (event) {
    var button = event.target.closest("form[data-text-size] button[name=size]");
    if (!button || !window.fetch) return;
    event.preventDefault();
    var root = document.documentElement, size = button.value, form = button.form;
    root.classList.remove("text-large", "text-xlarge");
    if (SIZES[size]) root.classList.add(SIZES[size]);
    Array.prototype.forEach.call(document.querySelectorAll("button[name=size]"), function (b) {
      b.setAttribute("aria-pressed", String(b.value === size));
    });
    var data = new FormData();
    data.append("csrf_token", form.elements.csrf_token.value);
    data.append("size", size);
    fetch(form.action, {method: "POST", body: data, credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); })
      .catch(function () {
        // Not stored (offline, or the session ended): the plain form says so by going through.
        if (navigator.onLine) { button.form.appendChild(hiddenSize(size)); form.submit(); }
      });
  });
  function hiddenSize(size) {
    var input = document.createElement("input");
    input.type = "hidden"; input.name = "size"; input.value = size;
    return input;
  }
})();
