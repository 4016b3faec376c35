/* What a member opened once still opens without network: in a mountain commune the 3G comes
   and goes. Served at /sw.js so that it controls the whole site.

   - pages (navigations): network first; a good answer is kept (the latest 60 pages), and when
     the network fails the kept copy is shown, or /offline, which lists what is kept;
   - /documents/<id>/audio.json: network first, the kept copy offline (the player needs it);
   - /documents/<id>/audio.mp3: from the copy the member chose to keep ("Lưu để nghe khi mất
     mạng"), with HTTP Range answered here, else the network;
   - /static/: the kept copy at once, refreshed in the background;
   - sign-in page reached (signed out, or the session ended): every kept page and recording of
     that person is deleted, so the next person on a shared phone sees none of it.
   Nothing else (posts, Socket.IO, the API) is touched. */
"use strict";

var VERSION = "1";
var STATIC = "handbook-static-" + VERSION;
var PAGES = "handbook-pages";
var AUDIO = "handbook-audio";
var OFFLINE = "/offline";
var MAX_PAGES = 60;
var NOT_KEPT = ["/login", "/logout", "/account/password", OFFLINE];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC)
      .then(function (cache) {
        return cache.addAll([OFFLINE, "/static/css/app.css", "/static/js/offline.js"]);
      })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (keys) {
        return Promise.all(keys.filter(function (key) {
          return key.indexOf("handbook-static-") === 0 && key !== STATIC;
        }).map(function (key) { return caches.delete(key); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== "GET") return;
  if (url.pathname.indexOf("/socket.io/") === 0 || url.pathname.indexOf("/api/") === 0) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(keptThenRefreshed(request));
  } else if (/^\/documents\/\d+\/audio\.mp3$/.test(url.pathname)) {
    event.respondWith(recording(request, url));
  } else if (/^\/documents\/\d+\/audio\.json$/.test(url.pathname)) {
    event.respondWith(networkThenKept(request, false));
  } else if (request.mode === "navigate") {
    event.respondWith(networkThenKept(request, true));
  }
});

// Signing out must leave nothing behind on a shared phone, not even a page that was on its way
// into the cache at that moment: each sign-out starts a new generation, copies fetched in an
// older one are not kept, and those already being written are waited for, then deleted.
var generation = 0;
var writing = [];

function forget() {
  generation += 1;
  return Promise.all(writing.slice()).then(function () {
    return Promise.all([caches.delete(PAGES), caches.delete(AUDIO)]);
  });
}

function keep(request, response, fetchedIn) {
  if (fetchedIn !== generation) return;  // fetched before a sign-out
  var path = new URL(request.url).pathname;
  var html = (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
  if (!response.ok || response.type !== "basic" || NOT_KEPT.indexOf(path) >= 0) return;
  if (request.mode === "navigate" && !html) return;  // a download, not a page
  var copy = response.clone();
  var write = caches.open(PAGES).then(function (cache) {
    // put() replaces an entry by removing it and adding the new one, so the page moves to the
    // end: the oldest are dropped past MAX_PAGES. (Deleting first left a moment with no copy,
    // and a connection lost in that moment found nothing kept.)
    return cache.put(request, copy)
      .then(function () { return cache.keys(); })
      .then(function (keys) {
        return Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES)).map(function (key) {
          return cache.delete(key);
        }));
      });
  }).catch(function () { /* storage full: the page still shows */ });
  writing.push(write);
  write.then(function () { writing.splice(writing.indexOf(write), 1); });
}

function networkThenKept(request, isPage) {
  var fetchedIn = generation;
  return fetch(request).then(function (response) {
    if (isPage && new URL(request.url).pathname === "/login" && response.ok) {
      return forget().then(function () { return response; });
    }
    keep(request, response, fetchedIn);
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) { return cache.match(request); })
      .then(function (kept) {
        if (!isPage) return kept || Response.error();
        return kept ? marked(kept) : caches.match(OFFLINE);
      })
      .then(function (answer) { return answer || Response.error(); });
  });
}

function marked(kept) {
  // Tell the page it is a kept copy, and from when (app.js says so to the member).
  var saved = kept.headers.get("Date") || "";
  return kept.text().then(function (html) {
    var body = html.replace("<body", '<body data-kept-at="' + saved.replace(/[^\w ,:+-]/g, "") + '"');
    var headers = new Headers(kept.headers);  // the same CSP and the rest
    headers.delete("Content-Length");
    headers.delete("Content-Encoding");
    return new Response(body, {status: 200, headers: headers});
  });
}

function keptThenRefreshed(request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request).then(function (kept) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone());
        return response;
      });
      if (!kept) return fresh;
      fresh.catch(function () { /* offline: the kept copy serves */ });
      return kept;
    });
  });
}

function recording(request, url) {
  return caches.open(AUDIO).then(function (cache) {
    // The version the page asks for if it is kept; offline, any kept version of that document.
    return cache.match(request.url).then(function (exact) {
      if (exact) return ranged(request, exact);
      return fetch(request).catch(function () {
        return cache.match(url.pathname, {ignoreSearch: true}).then(function (older) {
          return older ? ranged(request, older) : Response.error();
        });
      });
    });
  });
}

function ranged(request, kept) {
  // Players ask for byte ranges (seeking on a phone); answer them from the kept whole file.
  var range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.get("Range") || "");
  return kept.blob().then(function (blob) {
    var size = blob.size;
    var headers = {"Content-Type": "audio/mpeg", "Accept-Ranges": "bytes"};
    if (!range) {
      headers["Content-Length"] = String(size);
      return new Response(blob, {status: 200, headers: headers});
    }
    var start, end;
    if (range[1] === "") {  // the last N bytes
      start = Math.max(0, size - parseInt(range[2], 10));
      end = size - 1;
    } else {
      start = parseInt(range[1], 10);
      end = range[2] === "" ? size - 1 : Math.min(parseInt(range[2], 10), size - 1);
    }
    if (start >= size || start > end) {
      return new Response(null, {status: 416, headers: {"Content-Range": "bytes */" + size}});
    }
    headers["Content-Range"] = "bytes " + start + "-" + end + "/" + size;
    headers["Content-Length"] = String(end - start + 1);
    return new Response(blob.slice(start, end + 1), {status: 206, headers: headers});
  });
}
