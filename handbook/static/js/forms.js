/* The secretary's forms (meeting, publication, upload): typing dates and times the Vietnamese
   way on the number pad, the chosen files listed, and each upload with its own progress and
   its own answer. Everything also works without it: the server reads what was typed, forms post. */
(function () {
  "use strict";

  /* --- 05/12/2026 and 19:30 on a number pad that has no "/" or ":" ---------------------- */
  function typing(input, mark, groups) {
    input.addEventListener("input", function (event) {
      if (event.inputType && event.inputType.indexOf("delete") === 0) return;
      if (/^\d{3}/.test(input.value)) return;  // 2026-12-05 or 1930: the server reads them as they are
      var value = input.value.replace(/[.\-\s,hHgG]/g, mark);
      var parts = value.split(mark);
      var last = parts[parts.length - 1];
      // Two digits of a day, a month or an hour typed: the separator comes by itself.
      if (parts.length < groups && /^\d{2}$/.test(last)) value += mark;
      if (value !== input.value) input.value = value;
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[inputmode=numeric][pattern]"), function (input) {
    var time = input.getAttribute("pattern").indexOf(":") !== -1;
    typing(input, time ? ":" : "/", time ? 2 : 3);
  });

  /* --- the files chosen, listed under the big buttons ---------------------------------- */
  var chosen = document.getElementById("chosen-files");
  var form = chosen && chosen.closest("form");
  if (!form) return;
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input[type=file]"));
  function picked() {
    return inputs.reduce(function (all, input) { return all.concat(Array.prototype.slice.call(input.files || [])); }, []);
  }
  inputs.forEach(function (input) {
    input.addEventListener("change", function () {
      chosen.textContent = "";
      picked().forEach(function (file) {
        var item = document.createElement("li");
        item.textContent = file.name;
        chosen.appendChild(item);
      });
    });
  });

  /* --- uploads: one request per file, each with its own progress and its own answer ----- */
  if (form.id !== "upload-form" || !window.FormData || !window.XMLHttpRequest) return;
  form.addEventListener("submit", function (event) {
    var files = picked();
    if (!files.length) return;  // let the server say "choose a file"
    event.preventDefault();
    var list = document.getElementById("upload-list");
    var left = files.length, okCount = 0, refusedCount = 0;
    chosen.textContent = "";
    files.forEach(function (file) {
      var item = document.createElement("li");
      var name = document.createElement("span");
      name.textContent = file.name;
      var bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", "Tải lên " + file.name);
      var note = document.createElement("span");
      note.className = "upload-note muted";
      note.textContent = "Đang tải lên…";
      item.appendChild(name); item.appendChild(bar); item.appendChild(note);
      list.appendChild(item);

      var data = new FormData();
      data.append("files", file);
      data.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
      var agenda = form.querySelector("select[name=agenda_item]");
      if (agenda) data.append("agenda_item", agenda.value);

      function refused(message) {
        // The bar turns red and says why; nothing about it looks like it is still going.
        item.className = "refused";
        refusedCount += 1;
        note.className = "upload-note";
        note.setAttribute("role", "alert");
        note.textContent = message;
        done();
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = Math.round(e.loaded * 100 / e.total); };
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        if (xhr.status === 201) {
          bar.value = 100; okCount += 1;
          // Queue down (Redis outage): kept and waiting; say so rather than "being read".
          note.textContent = body && body.notice ? "Đã nhận, đang chờ xử lý" : "Đã nhận, đang đọc nội dung";
          done();
          return;
        }
        refused(body && body.refused && body.refused[0] ? body.refused[0].message
          : body && body.error ? body.error.message
          : xhr.status === 413 ? "Tệp quá lớn." : "Không tải lên được (lỗi " + xhr.status + ").");
      };
      xhr.onerror = function () { refused("Mất kết nối khi tải lên. Vui lòng thử lại."); };
      xhr.send(data);
    });
    inputs.forEach(function (input) { input.value = ""; });
    function done() {
      left -= 1;
      if (left || !okCount) return;
      // All taken: the page shows them. Some refused: their reasons stay until the secretary
      // has read them and asks for the page.
      if (!refusedCount) { setTimeout(function () { window.location.reload(); }, 1200); return; }
      var more = document.createElement("button");
      more.type = "button";
      more.className = "primary";
      more.textContent = "Xem các tài liệu đã nhận";
      more.addEventListener("click", function () { window.location.reload(); });
      list.appendChild(document.createElement("li")).appendChild(more);
    }
  });
})();
