/* "Cài vào màn hình chính": the home page offers to install the handbook as an app. Android's
   Chrome gives us its install prompt (beforeinstallprompt), shown behind one large button;
   iPhone and iPad Safari have none, so the hint says where Safari's own menu item is. Nothing
   shows once installed (opened from the home screen) or for 30 days after "Để sau". */
(function () {
  "use strict";

  var hint = document.getElementById("install-hint");
  if (!hint) return;
  var button = document.getElementById("install-button");
  var apple = document.getElementById("install-ios");
  var KEY = "handbook-install-later";
  var LATER_MS = 30 * 24 * 3600 * 1000;

  function installed() {
    return navigator.standalone === true ||
      (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches);
  }
  function later() {
    try { return Date.now() - Number(localStorage.getItem(KEY) || 0) < LATER_MS; } catch (e) { return false; }
  }
  if (installed() || later()) return;

  document.getElementById("install-later").addEventListener("click", function () {
    try { localStorage.setItem(KEY, String(Date.now())); } catch (e) { /* private mode: for now only */ }
    hint.hidden = true;
  });

  var offer = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();  // our button, not the browser's small bar
    offer = event;
    apple.hidden = true;
    button.hidden = false;
    hint.hidden = false;
  });
  button.addEventListener("click", function () {
    if (!offer) return;
    var asked = offer;
    offer = null;  // a prompt can be shown once
    button.hidden = true;
    hint.hidden = true;
    asked.prompt();
  });
  window.addEventListener("appinstalled", function () { hint.hidden = true; });

  // iPhone and iPad (iPadOS says it is a Mac), in Safari itself: in-app browsers (Zalo,
  // Facebook) and other browsers cannot add to the home screen the same way.
  var ua = navigator.userAgent;
  var appleDevice = /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
  var safari = /Safari\//.test(ua) && !/CriOS|FxiOS|EdgiOS|OPiOS|GSA|FBAN|FBAV|Instagram|Zalo/.test(ua);
  if (appleDevice && safari) {
    apple.hidden = false;
    hint.hidden = false;
  }
})();
