/* A member import's page while it runs: the bar and the counts follow the job live (Socket.IO,
   shared with app.js), or by asking every few seconds without a connection; when the import
   ends, the page is drawn again by the server with its errors or its password sheet. */
(function () {
  "use strict";
  var card = document.getElementById("member-import");
  if (!card) return;
  var id = parseInt(card.getAttribute("data-import"), 10);
  var statusUrl = card.getAttribute("data-status-url");
  var ended = false;

  function number(value) {
    return Number(value || 0).toLocaleString("vi-VN");
  }
  function of(done, total) {
    return total ? number(done) + "/" + number(total) : number(done);
  }
  function text(elementId, value) {
    var node = document.getElementById(elementId);
    if (node) node.textContent = value;
  }

  function apply(data) {
    if (!data || data["import"] !== id || ended) return;
    card.setAttribute("data-status", data.status);
    if (data.status === "done" || data.status === "failed") {
      ended = true;
      text("import-state", data.status === "done" ? "Đã nhập xong." : "Không nhập được.");
      window.location.reload();
      return;
    }
    var bar = document.getElementById("import-bar");
    if (bar) bar.value = data.progress;
    var step = data.status === "queued" ? "Đang chờ xử lý…"
      : data.prepared >= data.total && data.total ? "Đang lập bảng mật khẩu và lưu…"
      : data.checked >= data.total && data.total ? "Đang tạo mật khẩu…"
      : "Đang kiểm tra từng dòng…";
    text("import-state", step + " " + data.progress + "%");
    text("import-checked", of(data.checked, data.total) + " dòng");
    text("import-prepared", of(data.prepared, data.total));
    text("import-stored", of(data.stored, data.total));
  }

  var socket = window.handbookSocket;
  function follow() {
    socket.emit("member_import.join", {"import": id}, function (ack) {
      if (ack && ack.ok) apply(ack);
    });
  }
  if (socket) {
    socket.on("member_import.status", apply);
    socket.on("connect", follow);
    if (socket.connected) follow();
  }
  (function poll() {
    if (ended) return;
    if (!socket || !socket.connected) {
      fetch(statusUrl, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(apply)
        .catch(function () {});
    }
    setTimeout(poll, 4000);
  })();
})();
