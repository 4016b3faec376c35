/* The minutes' page (templates/minutes/show.html): "Đọc to biên bản" asks the server to read
   the text on this page aloud (one recording per text, made by the same voice and job as the
   documents'; asked again for the same text it is answered at once), follows it until it is
   made, then plays it in the page's <audio>. Everything else on the page is plain forms, which
   work without JavaScript. */
(function () {
  "use strict";
  var box = document.getElementById("min-listen");
  if (!box) return;
  var button = document.getElementById("min-read");
  var note = document.getElementById("min-read-note");
  var audio = document.getElementById("min-audio");
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var waiting = null;

  function clock(seconds) {  // "3 phút 5 giây"
    seconds = Math.max(0, Math.round(seconds || 0));
    var minutes = Math.floor(seconds / 60), rest = seconds % 60;
    return (minutes ? minutes + " phút " : "") + rest + " giây";
  }

  function play() {
    var started = audio.play();
    if (started && started.catch) {
      started.catch(function () { note.textContent = "Bản đọc đã sẵn sàng: bấm nút phát để nghe."; });
    }
  }

  /* true when there is nothing more to wait for */
  function show(info, start) {
    if (info.url) {
      if (audio.getAttribute("src") !== info.url) audio.setAttribute("src", info.url);
      audio.hidden = false;
      button.disabled = false;
      note.textContent = "Bản đọc dài " + clock(info.duration) + ".";
      if (start) play();
      return true;
    }
    if (info.status === "failed") {
      button.disabled = false;
      note.textContent = info.error || "Chưa đọc được biên bản. Vui lòng thử lại.";
      return true;
    }
    note.textContent = "Đang chuẩn bị bản đọc" + (info.progress ? " (" + info.progress + "%)" : "") + "…";
    return false;
  }

  function follow(start) {
    clearTimeout(waiting);
    fetch(box.getAttribute("data-status"), {credentials: "same-origin", cache: "no-store"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (info) {
        if (!info || !show(info, start)) waiting = setTimeout(function () { follow(start); }, 2000);
      }, function () {
        note.textContent = "Mất kết nối; đang thử lại…";
        waiting = setTimeout(function () { follow(start); }, 4000);
      });
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    note.textContent = "Đang chuẩn bị bản đọc…";
    fetch(box.getAttribute("data-src"), {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "Accept": "application/json"}
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (info) {
        if (!show(info, true)) waiting = setTimeout(function () { follow(true); }, 1500);
      })
      .catch(function () {
        button.disabled = false;
        note.textContent = "Chưa gửi được yêu cầu; kiểm tra kết nối rồi bấm lại.";
      });
  });

  box.classList.remove("awaits-js");  // its place was kept: nothing below moves
  if (audio.getAttribute("src")) note.textContent = "Bản đọc của nội dung này đã sẵn sàng.";
})();
