/* "Bật thông báo trên máy này": Web Push for this browser, only after the member's tap (never a
   permission prompt when a page loads). Included on /notifications/settings only.

   On: register the service worker (/sw.js), ask the browser for a push subscription with the
   server's key (GET /api/v1/push/key), and file it (POST /api/v1/push/subscriptions, with the
   CSRF token). Off: unsubscribe here and tell the server (DELETE ?endpoint=). Every refusal
   says in Vietnamese what the member can do. */
"use strict";

(function () {
  var state = document.getElementById("push-state");
  var onButton = document.getElementById("push-on");
  var offButton = document.getElementById("push-off");
  if (!state || !onButton || !offButton) return;
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";

  var TEXT = {
    on: "Máy này đang nhận thông báo.",
    off: "Máy này chưa nhận thông báo.",
    working: "Đang bật thông báo…",
    stopping: "Đang tắt thông báo…",
    unsupported: "Trình duyệt này không nhận được thông báo. Hãy mở bằng Chrome, Firefox, Edge hoặc Safari mới.",
    iphone: "Trên iPhone, hãy cài ứng dụng vào màn hình chính trước.",
    denied: "Bạn đã chặn thông báo cho trang này. Hãy mở cài đặt của trình duyệt, cho phép thông báo, rồi bấm lại.",
    dismissed: "Bạn chưa cho phép thông báo. Bấm lại nút và chọn “Cho phép”.",
    offline: "Không kết nối được máy chủ. Hãy thử lại khi có mạng.",
    failed: "Chưa bật được thông báo. Vui lòng thử lại sau."
  };

  function say(text, isError) {
    state.textContent = text;
    state.classList.toggle("push-error", !!isError);
  }

  function show(subscribed) {
    onButton.hidden = subscribed;
    offButton.hidden = !subscribed;
    onButton.disabled = offButton.disabled = false;
  }

  function isIOS() {
    return /iPhone|iPad|iPod/.test(navigator.userAgent) ||
      (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  }

  function standalone() {
    return window.navigator.standalone === true ||
      (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches);
  }

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function api(method, path, body) {
    return fetch("/api/v1/push" + path, {
      method: method,
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error((data.error && data.error.message) || TEXT.failed);
          error.fromServer = true;
          throw error;
        }
        return data;
      });
    }, function () {
      var error = new Error(TEXT.offline);
      error.fromServer = true;
      throw error;
    });
  }

  function registration() {
    return navigator.serviceWorker.register("/sw.js").then(function () {
      return navigator.serviceWorker.ready;
    });
  }

  function turnOn() {
    if (!supported()) {
      say(isIOS() && !standalone() ? TEXT.iphone : TEXT.unsupported, true);
      return;
    }
    if (Notification.permission === "denied") {
      say(TEXT.denied, true);
      return;
    }
    onButton.disabled = true;
    say(TEXT.working);
    // Asked here, in the tap's own turn: browsers refuse a prompt that no tap asked for.
    var permission = Notification.requestPermission ? Notification.requestPermission() : Promise.resolve("default");
    Promise.resolve(permission).then(function (answer) {
      if (answer !== "granted") {
        throw new Error(answer === "denied" ? TEXT.denied : TEXT.dismissed);
      }
      return Promise.all([registration(), api("GET", "/key")]);
    }).then(function (both) {
      var reg = both[0];
      var key = keyBytes(both[1].public_key);
      return reg.pushManager.getSubscription().then(function (old) {
        return old ? old.unsubscribe() : null; // made with another key, perhaps
      }).then(function () {
        return reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: key});
      });
    }).then(function (subscription) {
      return api("POST", "/subscriptions", subscription.toJSON()).catch(function (error) {
        subscription.unsubscribe();
        throw error;
      });
    }).then(function () {
      show(true);
      say(TEXT.on);
    }, function (error) {
      show(false);
      var known = error && (error.fromServer || error.message === TEXT.denied || error.message === TEXT.dismissed);
      if (!known && error && error.name === "NotAllowedError") {
        say(isIOS() && !standalone() ? TEXT.iphone : TEXT.denied, true);
      } else {
        say(known ? error.message : TEXT.failed, true);
      }
    });
  }

  function turnOff() {
    offButton.disabled = true;
    say(TEXT.stopping);
    var found = supported()
      ? navigator.serviceWorker.getRegistration("/").then(function (reg) {
          return reg ? reg.pushManager.getSubscription() : null;
        })
      : Promise.resolve(null);
    found.then(function (subscription) {
      if (!subscription) return null;
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return api("DELETE", "/subscriptions?endpoint=" + encodeURIComponent(endpoint));
      });
    }).then(function () {
      show(false);
      say(TEXT.off);
    }, function (error) {
      offButton.disabled = false;
      say((error && error.fromServer && error.message) || TEXT.failed, true);
    });
  }

  onButton.addEventListener("click", turnOn);
  offButton.addEventListener("click", turnOff);

  // What this browser really has: a subscription the server still files for this device but
  // the browser lost (data cleared) is shown as off. One the browser kept from an earlier
  // sign-in is never filed again without a tap: "Bật" replaces it.
  if (supported() && state.dataset.subscribed === "yes") {
    navigator.serviceWorker.getRegistration("/").then(function (reg) {
      return reg ? reg.pushManager.getSubscription() : null;
    }).then(function (subscription) {
      if (!subscription) {
        show(false);
        say(TEXT.off);
      }
    }).catch(function () { /* the buttons stand as drawn */ });
  }
})();
