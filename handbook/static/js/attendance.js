/* The attendance screen (templates/attendance/sheet.html, screen.html): the QR code changes
   every 15 seconds (fetched as SVG from the server, which signs each code), and the list and
   counts follow check-ins and other secretaries' edits live over Socket.IO
   ("attendance.changed"; "attendance.join" answers the whole list, so a screen that
   reconnects is whole again). Without JavaScript the page still works: forms post, the
   code shown is good for 30 seconds, and a reload shows the rest. */
(function () {
  "use strict";
  var root = document.getElementById("attendance");
  if (!root) return;
  var meetingId = parseInt(root.getAttribute("data-meeting"), 10);
  var wasOpen = root.getAttribute("data-open") === "1";
  var list = document.getElementById("att-list");

  /* --- the rotating code --------------------------------------------------------------- */
  var figure = document.getElementById("att-qr");
  function refresh() {
    fetch(figure.getAttribute("data-src"), {credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (response.status === 409) { window.location.reload(); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (code) {
        if (!code) { setTimeout(refresh, 3000); return; }
        var image = figure.querySelector(".att-qr-image");
        image.innerHTML = code.svg;
        image.setAttribute("data-url", code.url);
        document.getElementById("att-link").href = code.url;
        setTimeout(refresh, Math.max(200, code.refresh_ms));
      }, function () { setTimeout(refresh, 3000); });
  }
  if (figure) setTimeout(refresh, Math.max(200, parseInt(figure.getAttribute("data-refresh"), 10) || 15000));

  /* --- live list and counts ------------------------------------------------------------ */
  function applyCounts(counts) {
    if (!counts) return;
    Object.keys(counts).forEach(function (key) {
      var node = document.querySelector('[data-count="' + key + '"]');
      if (!node) return;
      node.textContent = String(counts[key]);
    });
    var quorum = document.querySelector('[data-count="quorum"]');
    if (quorum) quorum.textContent = counts.quorum_met ? "Đạt" : "Chưa đạt";
  }
  function applyEntry(entry) {
    if (!list) return;  // the projector page shows the counts only
    var item = document.getElementById("a" + entry.user_id);
    if (!item) { window.location.reload(); return; }  // a member who joined the list
    item.setAttribute("data-status", entry.status);
    var label = item.querySelector("[data-status-label]");
    if (label) label.textContent = entry.label + (entry.reason ? ": " + entry.reason : "");
    var form = item.querySelector("form.att-mark");
    // A form the secretary is changing keeps the version it was drawn with, so saving it
    // is refused and says what changed meanwhile: nothing is overwritten unseen.
    if (form && !form.hasAttribute("data-dirty")) {
      form.elements.version.value = entry.version;
      form.elements.mark.value = entry.mark || "";
      form.elements.reason.value = entry.reason || "";
    }
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form.att-mark");
    if (form) form.setAttribute("data-dirty", "1");
  });
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form.att-mark");
    if (form) form.setAttribute("data-dirty", "1");
  });

  var socket = window.handbookSocket;
  if (!socket) return;
  function join() {
    socket.emit("attendance.join", {meeting: meetingId}, function (ack) {
      if (!ack || !ack.ok) return;
      if (ack.open !== wasOpen) { window.location.reload(); return; }
      ack.entries.forEach(applyEntry);
      applyCounts(ack.counts);
      root.setAttribute("data-live", "1");
    });
  }
  socket.on("connect", join);
  if (socket.connected) join();
  socket.on("attendance.changed", function (data) {
    if (data.meeting !== meetingId) return;
    if (data.open !== wasOpen) { window.location.reload(); return; }
    if (data.entry) applyEntry(data.entry);
    applyCounts(data.counts);
  });
})();
