/* The publish form (meetings/publish_card.html): the date and time only for "Hẹn giờ công bố"
   (hidden and not required otherwise), and the sentence above the form kept saying who will
   be told and when, as the server would say it (publishing.Plan.sentence). Without this
   script the form still works: CSS :has() hides the fields and the server checks everything. */
(function () {
  "use strict";

  var form = document.getElementById("publish-form");
  var plan = document.getElementById("publish-plan");
  if (!form || !plan) return;
  var later = form.querySelector("[data-when-later]");
  var fields = later ? later.querySelectorAll("input") : [];
  var error = document.getElementById("when-error");
  var count = parseInt(plan.getAttribute("data-count"), 10) || 0;
  var audience = plan.getAttribute("data-audience") || "";
  var WEEKDAYS = ["Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"];

  function two(n) { return (n < 10 ? "0" : "") + n; }
  // The ways the server reads a date and a time (meetings/forms.py), for the sentence only.
  function day(text) {
    var m = /^(\d{4})[\/.\-](\d{1,2})[\/.\-](\d{1,2})$/.exec(text), y, mo, d;
    if (m) { y = +m[1]; mo = +m[2]; d = +m[3]; }
    else {
      m = /^(\d{1,2})\s*[\/.\- ]\s*(\d{1,2})\s*[\/.\- ]\s*(\d{4}|\d{2})$/.exec(text) || /^(\d{2})(\d{2})(\d{4})$/.exec(text);
      if (!m) return null;
      d = +m[1]; mo = +m[2]; y = +m[3] < 100 ? +m[3] + 2000 : +m[3];
    }
    var date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
    return {text: two(d) + "/" + two(mo) + "/" + y, weekday: WEEKDAYS[date.getUTCDay()]};
  }
  function clock(text) {
    var m = /^(\d{1,2})(?:\s*[:hHgG.]\s*(\d{2})?)?$/.exec(text) || /^(\d{1,2})(\d{2})$/.exec(text);
    if (!m || +m[1] > 23 || +(m[2] || 0) > 59) return null;
    return two(+m[1]) + ":" + two(+(m[2] || 0));
  }
  function chosen() {
    var picked = form.querySelector("input[name=when]:checked");
    return picked ? picked.value : "";
  }
  function say() {
    if (count === 0) return;  // the server's sentence ("… chưa có đảng viên nào khác") stands
    var when = "ngay lúc công bố, hoặc vào giờ đồng chí hẹn", way = chosen();
    if (way === "now") when = "ngay";
    if (way === "later") {
      var d = day(fields[0].value.trim()), t = clock(fields[1].value.trim());
      when = d && t ? "lúc " + t + ", " + d.weekday + " " + d.text : "vào giờ đồng chí hẹn";
    }
    plan.textContent = "Khi công bố, " + count + " đảng viên của " + audience + " sẽ nhận thông báo " + when + ".";
  }
  function show() {
    var isLater = chosen() === "later";
    if (later) later.hidden = !isLater;
    Array.prototype.forEach.call(fields, function (input) { input.required = isLater; });
    if (chosen() && error) {
      error.hidden = true;
      Array.prototype.forEach.call(form.querySelectorAll("input[name=when]"), function (r) { r.removeAttribute("aria-invalid"); });
    }
    say();
  }
  form.addEventListener("change", show);
  form.addEventListener("input", function (event) {
    // A date or time the server refused, being corrected: its old message goes.
    var input = event.target;
    if (input.getAttribute("aria-invalid") === "true") {
      input.removeAttribute("aria-invalid");
      var said = document.getElementById(input.id + "-error");
      if (said) said.hidden = true;
    }
    say();
  });
  // Nothing chosen: said here at once, not after a round trip on a slow line (the server
  // says the same if this script never ran).
  form.addEventListener("submit", function (event) {
    if (chosen() || !error) return;
    event.preventDefault();
    error.textContent = "Vui lòng chọn “Công bố ngay” hoặc “Hẹn giờ công bố”.";
    error.hidden = false;
    error.setAttribute("role", "alert");
    form.querySelector("fieldset").setAttribute("aria-describedby", "when-error");
    var first = form.querySelector("input[name=when]");
    Array.prototype.forEach.call(form.querySelectorAll("input[name=when]"), function (r) { r.setAttribute("aria-invalid", "true"); });
    if (first) first.focus();
  });
  show();
})();
