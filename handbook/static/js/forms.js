/* The secretary's forms (meeting, publication, upload): typing dates and times the Vietnamese
   way on the number pad, the chosen files listed, photos as pages to put in order, each upload
   with its own progress and its own answer, and the titles read from the documents confirmed
   in place. Everything also works without it: the server reads what was typed, forms post. */
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

  /* --- titles read from the documents: confirmed or edited on the meeting page ---------- */
  var titleRows = Array.prototype.slice.call(document.querySelectorAll("[data-title-for]"));
  var TITLE_HINTS = {
    text: "Lấy từ tiêu đề trong tài liệu. Sửa nếu cần, rồi xác nhận.",
    file: "Không tìm thấy tiêu đề trong tài liệu: hãy đặt tên."
  };
  function titleRow(id) {
    return titleRows.filter(function (row) { return row.getAttribute("data-title-for") === String(id); })[0];
  }
  function listedTitle(id, title) {
    // The meeting's list of documents shows the same title.
    Array.prototype.forEach.call(document.querySelectorAll("li.doc[data-document='" + id + "'] .doc-title"),
      function (link) { link.textContent = title; });
  }
  function applyTitle(data) {
    var row = data && titleRow(data.document);
    if (!row || row.classList.contains("confirmed")) return;
    row.setAttribute("data-status", data.status);
    var hint = row.querySelector(".hint");
    if (data.status === "failed") {
      hint.textContent = data.error || "Không đọc được tệp.";
      hint.className = "hint field-error";
      return;
    }
    if (data.status !== "ready" || !data.title) return;
    var input = row.querySelector("input[name=title]");
    // What the secretary has started typing is never replaced by the proposal.
    if (!input.getAttribute("data-edited")) input.value = data.title;
    hint.textContent = TITLE_HINTS[data.title_source] || TITLE_HINTS.text;
    row.setAttribute("data-source", data.title_source);
    listedTitle(data.document, data.title);
  }
  function pendingTitles() {
    return titleRows.filter(function (row) {
      var status = row.getAttribute("data-status");
      return !row.classList.contains("confirmed") && (status === "queued" || status === "processing");
    });
  }
  var socket = window.handbookSocket;
  function followTitles() {
    pendingTitles().forEach(function (row) {
      socket.emit("document.join", {document: parseInt(row.getAttribute("data-title-for"), 10)});
    });
  }
  if (socket && titleRows.length) {
    socket.on("document.status", applyTitle);
    socket.on("connect", followTitles);
    if (socket.connected) followTitles();
  }
  (function poll() {
    // Without a live connection, ask now and then; never more than one request a row.
    if (!pendingTitles().length) return;
    if (!socket || !socket.connected) {
      pendingTitles().forEach(function (row) {
        fetch("/documents/" + row.getAttribute("data-title-for") + "/status", {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(applyTitle)
          .catch(function () {});
      });
    }
    setTimeout(poll, 4000);
  })();
  titleRows.forEach(function (row) {
    var titleForm = row.querySelector("form");
    var input = titleForm.querySelector("input[name=title]");
    input.addEventListener("input", function () { input.setAttribute("data-edited", "1"); });
    if (!window.fetch || !window.FormData) return;
    titleForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var hint = row.querySelector(".hint");
      fetch(titleForm.action, {method: "POST", body: new FormData(titleForm), credentials: "same-origin",
        headers: {Accept: "application/json"}})
        .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
        .then(function (answer) {
          if (!answer.ok) throw new Error(answer.body && answer.body.error ? answer.body.error.message : "");
          row.classList.add("confirmed");
          var done = document.createElement("p");
          done.className = "title-done";
          done.setAttribute("role", "status");
          done.textContent = "Đã xác nhận tên: “" + answer.body.title + "”.";
          row.replaceChildren(done);
          listedTitle(answer.body.document, answer.body.title);
        })
        .catch(function (error) {
          hint.textContent = error.message || "Không lưu được tên. Vui lòng thử lại.";
          hint.className = "hint field-error";
          hint.setAttribute("role", "alert");
        });
    });
  });

  /* --- the files chosen, listed under the big buttons ---------------------------------- */
  var chosen = document.getElementById("chosen-files");
  var form = chosen && chosen.closest("form");
  if (!form) return;
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input[type=file]"));
  var uploading = form.id === "upload-form" && window.FormData && window.XMLHttpRequest;
  if (!uploading) {
    // Elsewhere (a CSV to import) the input itself is sent: only list what it holds.
    inputs.forEach(function (input) {
      input.addEventListener("change", function () {
        chosen.textContent = "";
        Array.prototype.forEach.call(input.files || [], function (file) {
          chosen.appendChild(document.createElement("li")).textContent = file.name;
        });
      });
    });
    return;
  }

  /* --- the upload: documents each on their own, photos as the pages of one -------------- */
  var MAX_PHOTOS = 30;
  var PHOTO_TYPE = /^image\/(jpeg|png|heic|heif)$/i, PHOTO_NAME = /\.(jpe?g|png|hei[cf])$/i;
  var documents = [], pages = [];
  var pagesBox = document.getElementById("photo-pages");
  var pageList = pagesBox.querySelector(".photo-list");
  var pagesHint = document.getElementById("photo-pages-hint");
  var pageTemplate = document.getElementById("photo-page-template");
  function isPhoto(file) { return PHOTO_TYPE.test(file.type) || PHOTO_NAME.test(file.name); }

  function showChosen() {
    chosen.textContent = "";
    documents.forEach(function (file) {
      chosen.appendChild(document.createElement("li")).textContent = file.name;
    });
    pageList.textContent = "";
    pagesBox.hidden = !pages.length;
    pagesHint.textContent = pages.length > MAX_PHOTOS
      ? "Đã chọn " + pages.length + " ảnh: một tài liệu chỉ ghép được tối đa " + MAX_PHOTOS + " ảnh; hãy bỏ bớt."
      : pages.length + " ảnh sẽ ghép thành một tài liệu " + pages.length + " trang, theo thứ tự dưới đây.";
    pagesHint.className = pages.length > MAX_PHOTOS ? "hint field-error" : "hint";
    pages.forEach(function (page, index) {
      var item = pageTemplate.content.firstElementChild.cloneNode(true);
      var thumb = item.querySelector(".photo-thumb");
      if (page.thumb) {
        var image = document.createElement("img");
        image.alt = "";
        image.src = page.thumb;
        thumb.appendChild(image);
      } else {
        thumb.textContent = page.thumb === null ? "Ảnh" : "…";
      }
      item.querySelector(".photo-name").textContent = "Trang " + (index + 1) + ": " + page.file.name;
      var words = {"-1": "Chuyển trang " + (index + 1) + " lên trước", "1": "Chuyển trang " + (index + 1) + " xuống sau"};
      Array.prototype.forEach.call(item.querySelectorAll("[data-move]"), function (button) {
        var step = parseInt(button.getAttribute("data-move"), 10);
        button.querySelector(".visually-hidden").textContent = words[String(step)];
        button.disabled = index + step < 0 || index + step >= pages.length;
        button.addEventListener("click", function () { movePage(index, step, button.getAttribute("data-move")); });
      });
      var remove = item.querySelector("[data-remove]");
      remove.querySelector(".visually-hidden").textContent = "Bỏ trang " + (index + 1) + " (" + page.file.name + ")";
      remove.addEventListener("click", function () { removePage(index); });
      pageList.appendChild(item);
    });
  }
  /* A small picture of each page, made once: the page's policy allows data: images, not
     blob: ones, and a phone's 4 MB photo would be heavy to keep as one. The browser turns it
     by its EXIF orientation; one it cannot draw (HEIC, mostly) is labelled "Ảnh". */
  function thumbnail(page) {
    if (!window.createImageBitmap) { page.thumb = null; return; }
    createImageBitmap(page.file, {resizeWidth: 128, resizeQuality: "medium"})
      .then(function (bitmap) {
        var canvas = document.createElement("canvas");
        canvas.width = bitmap.width; canvas.height = bitmap.height;
        canvas.getContext("2d").drawImage(bitmap, 0, 0);
        bitmap.close();
        page.thumb = canvas.toDataURL("image/jpeg", 0.7);
      })
      .catch(function () { page.thumb = null; })
      .then(function () { if (pages.indexOf(page) !== -1) redrawThumb(page); });
  }
  function redrawThumb(page) {
    var item = pageList.children[pages.indexOf(page)];
    var thumb = item && item.querySelector(".photo-thumb");
    if (!thumb) return;
    thumb.textContent = "";
    if (!page.thumb) { thumb.textContent = "Ảnh"; return; }
    var image = document.createElement("img");
    image.alt = "";
    image.src = page.thumb;
    thumb.appendChild(image);
  }
  function focusOn(index, selector) {
    var item = pageList.children[index];
    var target = item && item.querySelector(selector);
    if (target && target.disabled) target = item.querySelector("[data-remove]");
    if (target) target.focus();
  }
  function movePage(index, step, which) {
    var page = pages.splice(index, 1)[0];
    pages.splice(index + step, 0, page);
    showChosen();
    focusOn(index + step, "[data-move='" + which + "']");
  }
  function removePage(index) {
    pages.splice(index, 1);
    showChosen();
    focusOn(Math.min(index, pages.length - 1), "[data-remove]");
  }
  function take(input) {
    // Kept here, and the input emptied: the camera adds one page after another.
    Array.prototype.forEach.call(input.files || [], function (file) {
      if (!isPhoto(file)) { documents.push(file); return; }
      var page = {file: file, thumb: undefined};
      pages.push(page);
      thumbnail(page);
    });
    input.value = "";
    showChosen();
  }
  inputs.forEach(function (input) {
    input.addEventListener("change", function () { take(input); });
    // Chosen before this script came (a slow network): taken now, not silently left out.
    if (input.files && input.files.length) take(input);
  });

  /* The page again, at the titles to confirm (the page's own list follows their reading). */
  function showReceived() {
    if (location.hash !== "#titles") history.replaceState(null, "", "#titles");
    window.location.reload();
  }

  /* --- one request per document (and one for the photos), each with its own progress ---- */
  form.addEventListener("submit", function (event) {
    if (!documents.length && !pages.length) return;  // let the server say "choose a file"
    event.preventDefault();
    if (pages.length > MAX_PHOTOS) { pagesHint.setAttribute("role", "alert"); return; }
    var list = document.getElementById("upload-list");
    var sending = documents.map(function (file) { return {label: file.name, field: "files", files: [file]}; });
    if (pages.length) {
      sending.push({
        label: pages.length + " ảnh chụp → một tài liệu " + pages.length + " trang",
        field: "photos",
        files: pages.map(function (page) { return page.file; })
      });
    }
    var left = sending.length, okCount = 0, refusedCount = 0;
    documents = []; pages = [];
    showChosen();
    sending.forEach(function (upload) {
      var item = document.createElement("li");
      var name = document.createElement("span");
      name.textContent = upload.label;
      var bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", "Tải lên " + upload.label);
      var note = document.createElement("span");
      note.className = "upload-note muted";
      note.textContent = "Đang tải lên…";
      item.appendChild(name); item.appendChild(bar); item.appendChild(note);
      list.appendChild(item);

      var data = new FormData();
      upload.files.forEach(function (file) { data.append(upload.field, file); });  // in page order
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
    function done() {
      left -= 1;
      if (left || !okCount) return;
      // All taken: the page shows them, and asks to confirm their titles. Some refused: their
      // reasons stay until the secretary has read them and asks for the page.
      if (!refusedCount) { setTimeout(showReceived, 1200); return; }
      var more = document.createElement("button");
      more.type = "button";
      more.className = "primary";
      more.textContent = "Xem các tài liệu đã nhận";
      more.addEventListener("click", showReceived);
      list.appendChild(document.createElement("li")).appendChild(more);
    }
  });
})();
