/* What a member opened once still opens without network, and a stalling 3G link never shows a
   blank page. Served at /sw.js (handbook/pages/offline.py writes in the placeholders below: this
   deployment's static URLs and settings) so that it controls the whole site.

   - pages (navigations): the network, if it answers within DEADLINE_MS; else the kept copy at
     once, marked as kept (app.js keeps a notice on screen), while the network carries on: when
     it answers, the fresh page is kept and the page shown asks for it (a reload answered here
     from that fresh copy, with no network wait). A page never kept waits up to GIVE_UP_MS,
     then shows /offline, which is replaced the same way if the page still arrives. Good pages
     are kept (the latest MAX_PAGES);
   - /documents/<id>/audio.json and /meetings/<id>/playlist.json: the same deadline, then the
     kept copy (the player needs them);
   - /documents/<id>/audio.mp3: from the copy kept on the phone (the player's "Lưu để nghe khi
     mất mạng", or a meeting pack), with HTTP Range answered here, else the network;
   - /static/: kept at install, from the cache first (content-hashed names never change);
   - a meeting pack (/meetings/<id>/pack): its page and playlist, each document's page and
     timing map, and the recordings on Wi-Fi or when this phone was told "Luôn tải bản đọc", within a budget;
     asked for by the meeting page, by its button, and by a push that names a pack;
   - push: the notification, and its pack; a tap opens its page (same origin only);
   - sign-in page reached (signed out, or the session ended): every kept page and recording of
     that person is deleted, so the next person on a shared phone sees none of it.
   Nothing else (posts, Socket.IO, the API) is touched. */
"use strict";

var VERSION = __VERSION__;
var PRECACHE = __PRECACHE__;  // the offline page first, then the static files every page uses
var DEADLINE_MS = __DEADLINE_MS__;
var GIVE_UP_MS = __GIVE_UP_MS__;
var AUDIO_BUDGET = __AUDIO_BUDGET__;
var ICON = __ICON__;
var STATIC = "handbook-static-" + VERSION;
var PAGES = "handbook-pages";
var AUDIO = "handbook-audio";
var DEVICE = "handbook-device";  // this phone's own choices: nothing personal, kept at sign-out
var ALWAYS_AUDIO = "/__device/always-audio";
var OFFLINE = PRECACHE[0];
var MAX_PAGES = 60;
var NOT_KEPT = ["/login", "/logout", "/account/password", OFFLINE];
var GENERIC_PUSH = "Sổ tay Đảng viên: có thông báo mới";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC)
      .then(function (cache) { return cache.addAll(PRECACHE); })
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
    event.respondWith(staticFile(request));
  } else if (/^\/documents\/\d+\/audio\.mp3$/.test(url.pathname)) {
    event.respondWith(recording(request, url));
  } else if (/^\/documents\/\d+\/audio\.json$|^\/meetings\/\d+\/playlist\.json$/.test(url.pathname)) {
    event.respondWith(timingMap(event));
  } else if (request.mode === "navigate") {
    event.respondWith(page(event));
  }
});

function noop() {}

function withoutHash(href) {
  var url = new URL(href);
  url.hash = "";
  return url.href;
}

// A path of this site, from a push or a page: anything else (another origin, "//host") is not
// followed.
function ownPath(value) {
  if (typeof value !== "string" || value.charAt(0) !== "/" || value.charAt(1) === "/") return null;
  var url = new URL(value, self.location.origin);
  return url.origin === self.location.origin ? url.pathname + url.search + url.hash : null;
}

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

function track(write) {
  writing.push(write);
  write.then(function () { writing.splice(writing.indexOf(write), 1); });
  return write;
}

// Keep a good answer; resolves to true once it is kept. ``isPage``: only HTML is kept (a
// download reached by a link is not a page).
function keep(request, response, fetchedIn, isPage) {
  if (fetchedIn !== generation) return Promise.resolve(false);  // fetched before a sign-out
  var key = typeof request === "string" ? request : withoutHash(request.url);
  var path = new URL(key).pathname;
  var html = (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
  // "basic": this site's own answer; "default": one made here from a kept copy (refetch).
  var own = response.type === "basic" || response.type === "default";
  if (!response.ok || !own || NOT_KEPT.indexOf(path) >= 0) return Promise.resolve(false);
  if (isPage && !html) return Promise.resolve(false);
  var copy = response.clone();
  return track(caches.open(PAGES).then(function (cache) {
    // put() replaces an entry by removing it and adding the new one, so the page moves to the
    // end: the oldest are dropped past MAX_PAGES. (Deleting first left a moment with no copy,
    // and a connection lost in that moment found nothing kept.)
    return cache.put(key, copy)
      .then(function () { return cache.keys(); })
      .then(function (keys) {
        return Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES)).map(function (k) {
          return cache.delete(k);
        }));
      })
      .then(function () { return true; });
  }).catch(function () { return false; /* storage full: the page still shows */ }));
}

// The network's answer if it comes within ``ms``: {response}, or {late: true}, or {failed: true}.
function within(answer, ms) {
  return new Promise(function (resolve) {
    var timer = setTimeout(function () { resolve({late: true}); }, ms);
    answer.then(function (response) { clearTimeout(timer); resolve({response: response}); },
      function () { clearTimeout(timer); resolve({failed: true}); });
  });
}

/* --- pages ----------------------------------------------------------------------------- */
// What became of the network for a page shown from its kept copy: "fresh" (kept: show it),
// "reload" (a redirect, e.g. to sign in again), "stale" (the network failed).
var updating = {};
// Pages just kept fresh after a kept copy was shown: the reload that follows is answered from
// the cache at once (the network has just answered), once.
var freshlyKept = {};

function outcomeOf(answer, stored, key) {
  return answer.then(function (response) {
    return stored.then(function (kept) {
      if (kept) { freshlyKept[key] = Date.now(); return "fresh"; }
      return response.type === "opaqueredirect" || response.redirected ? "reload" : "stale";
    });
  }, function () { return "stale"; });
}

// A GET lost on a flaky link is asked once more at once (a page, a timing map, a pack part).
function fetchTwice(request, init) {
  return fetch(request, init).catch(function () { return fetch(request, init); });
}

// Ask the network for a page or timing map this phone keeps, naming the kept copy's ETag: an
// unchanged page comes back as a bodiless 304 (a few hundred bytes on 3G instead of the page),
// answered with the kept copy, dated now. Pages are "no-store" for the browser's own cache, so
// the worker, whose copies are deleted at sign-out, is the one that asks this way.
function refetch(request, kept) {
  var etag = kept && kept.headers.get("ETag");
  if (!etag) return fetchTwice(request);
  var conditional = new Request(request.url, {
    headers: {"If-None-Match": etag, "Accept": request.headers.get("Accept") || "*/*"},
    credentials: "same-origin",
    redirect: "manual"  // as a navigation's own: a redirect goes back to the browser
  });
  return fetchTwice(conditional).then(function (response) {
    if (response.status !== 304) return response;
    var headers = new Headers(kept.headers);
    headers.set("Date", response.headers.get("Date") || new Date().toUTCString());
    return kept.clone().blob().then(function (body) {
      return new Response(body, {status: 200, statusText: "OK", headers: headers});
    });
  });
}

function page(event) {
  var request = event.request;
  var key = withoutHash(request.url);
  var path = new URL(key).pathname;
  var fetchedIn = generation;
  if (path === "/login") return signInPage(request);
  if (freshlyKept[key] && Date.now() - freshlyKept[key] < 60000) {
    delete freshlyKept[key];
    return caches.open(PAGES).then(function (cache) { return cache.match(key); })
      .then(function (fresh) { return fresh || fetch(request); });
  }
  return caches.open(PAGES).then(function (cache) { return cache.match(key); }).then(function (kept) {
    var answer = refetch(request, kept);
    var stored = answer.then(function (response) { return keep(key, response, fetchedIn, true); }, function () { return false; });
    event.waitUntil(stored);
    return within(answer, kept ? DEADLINE_MS : GIVE_UP_MS).then(function (result) {
      if (result.response) return result.response;  // in time, whatever it is
      // Late or failed: the kept copy (or the offline page) now; the network carries on.
      var outcome = outcomeOf(answer, stored, key);
      updating[key] = outcome;
      event.waitUntil(outcome);
      var shown = kept ? marked(kept, !result.failed) : offlinePage(!result.failed);
      return shown.then(function (response) { return response || Response.error(); });
    });
  });
}

function signInPage(request) {
  return fetch(request).then(function (response) {
    return response.ok ? forget().then(function () { return response; }) : response;
  }).catch(function () {
    return caches.open(STATIC).then(function (cache) { return cache.match(OFFLINE); })
      .then(function (answer) { return answer || Response.error(); });
  });
}

// Tell the page it is a kept copy, from when, and whether the network is still on its way
// (app.js says so to the member, and asks here for the fresh page).
function stamped(response, attributes) {
  return response.text().then(function (html) {
    var body = html.replace("<body", "<body " + attributes);
    var headers = new Headers(response.headers);  // the same CSP and the rest
    headers.delete("Content-Length");
    headers.delete("Content-Encoding");
    return new Response(body, {status: 200, headers: headers});
  });
}

function marked(kept, stillComing) {
  var saved = (kept.headers.get("Date") || "").replace(/[^\w ,:+-]/g, "");
  return stamped(kept, 'data-kept-at="' + saved + '"' + (stillComing ? ' data-kept-updating="1"' : ""));
}

function offlinePage(stillComing) {
  return caches.open(STATIC).then(function (cache) { return cache.match(OFFLINE); }).then(function (offline) {
    if (!offline) return null;
    return stillComing ? stamped(offline, 'data-kept-updating="1"') : offline;
  });
}

// A page asks what became of the network for it. The worker may have been stopped and started
// since it showed the kept copy: then it asks the network again itself.
function revalidate(key) {
  var fetchedIn = generation;
  var request = new Request(key, {credentials: "same-origin", headers: {"Accept": "text/html"}});
  var answer = caches.open(PAGES).then(function (cache) { return cache.match(key); })
    .then(function (kept) { return refetch(request, kept); });
  var stored = answer.then(function (response) { return keep(key, response, fetchedIn, true); }, function () { return false; });
  updating[key] = outcomeOf(answer, stored, key);
  return updating[key];
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var source = event.source;
  if (data.type === "kept-shown") {
    var path = ownPath(data.path);
    if (!path) return;
    var key = withoutHash(self.location.origin + path);
    var outcome = updating[key] || revalidate(key);
    event.waitUntil(outcome.then(function (state) {
      if (source) source.postMessage({type: "kept-outcome", path: path, state: state});
    }));
  } else if (data.type === "pack") {
    var pack = ownPath(data.pack);
    if (!pack) return;
    event.waitUntil(packMeeting(pack, {asked: data.asked === true, page: data.page === true}).catch(noop));
  }
});

/* --- timing maps and static files ------------------------------------------------------- */
function timingMap(event) {
  var request = event.request;
  var fetchedIn = generation;
  return caches.open(PAGES).then(function (cache) { return cache.match(request); }).then(function (kept) {
    var answer = refetch(request, kept);
    event.waitUntil(answer.then(function (response) { return keep(request, response, fetchedIn, false); }, noop));
    if (!kept) return answer.catch(function () { return Response.error(); });
    return within(answer, DEADLINE_MS).then(function (result) { return result.response || kept; });
  });
}

function staticFile(request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request).then(function (kept) {
      if (kept) return kept;
      return fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone()).catch(noop);
        return response;
      });
    });
  });
}

/* --- recordings ------------------------------------------------------------------------ */
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

/* --- the meeting pack ------------------------------------------------------------------ */
var packing = {};  // one run per pack at a time

function tellPages(message) {
  return self.clients.matchAll({type: "window"}).then(function (list) {
    list.forEach(function (client) { client.postMessage(message); });
  });
}

function onWifi() {
  var connection = self.navigator.connection;
  return Boolean(connection && connection.type === "wifi");
}

function alwaysAudio() {
  return caches.open(DEVICE).then(function (cache) { return cache.match(ALWAYS_AUDIO); })
    .then(function (entry) { return entry ? entry.text() : ""; })
    .then(function (text) { return text === "1"; }, function () { return false; });
}

function sizeOf(response) {
  var length = parseInt(response.headers.get("Content-Length") || "", 10);
  return isNaN(length) ? response.blob().then(function (b) { return b.size; }) : Promise.resolve(length);
}

function keptAudioBytes(cache) {
  return cache.keys().then(function (keys) {
    return Promise.all(keys.map(function (k) { return cache.match(k).then(sizeOf); }));
  }).then(function (sizes) { return sizes.reduce(function (a, b) { return a + b; }, 0); });
}

function roomFor(size, cache) {
  return keptAudioBytes(cache).then(function (used) {
    if (used + size > AUDIO_BUDGET) return false;
    if (!self.navigator.storage || !self.navigator.storage.estimate) return true;
    return self.navigator.storage.estimate().then(function (e) {
      return !e.quota || e.quota - (e.usage || 0) > size * 2;  // leave the browser room
    }, function () { return true; });
  });
}

function sequence(items, step) {
  return items.reduce(function (chain, item, i) {
    return chain.then(function () { return step(item, i); });
  }, Promise.resolve());
}

// ``options.asked``: the member pressed "Tải trọn bộ" (recordings even off Wi-Fi);
// ``options.page``: asked by the meeting page itself, which was fetched just now.
function packMeeting(packPath, options) {
  // One run at a time; a run the member asked for (recordings included) follows an automatic
  // one rather than being swallowed by it.
  var running = packing[packPath];
  if (running && (running.asked || !options.asked)) return running.run;
  var before = running ? running.run.catch(noop) : Promise.resolve();
  var run = before.then(function () { return packOnce(packPath, options); });
  packing[packPath] = {run: run, asked: options.asked};
  var clear = function () { if (packing[packPath] && packing[packPath].run === run) delete packing[packPath]; };
  run.then(clear, clear);
  return run;
}

function packOnce(packPath, options) {
  var fetchedIn = generation;
  var key = self.location.origin + packPath;
  var summary = {pack: packPath, asked: options.asked, pages: 0, recordings: 0, skipped: 0, failed: 0};
  return fetchTwice(key, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (response) {
      if (!response.ok || (response.headers.get("Content-Type") || "").indexOf("application/json") !== 0) {
        throw new Error("pack " + response.status);
      }
      return keep(key, response.clone(), fetchedIn, false).then(function () { return response.json(); });
    })
    .then(function (pack) {
      var docs = pack.documents || [];
      var total = 2 + docs.length * 2 + docs.filter(function (d) { return d.audio; }).length;
      var done = 0;
      function progress() {
        done += 1;
        return tellPages({type: "pack-progress", pack: packPath, done: done, total: total});
      }
      return caches.open(PAGES).then(function (pages) {
        function fetchPage(path, isPage) {
          var url = self.location.origin + path;
          return fetchTwice(url, {credentials: "same-origin", headers: {"Accept": isPage ? "text/html" : "application/json"}})
            .then(function (r) { return keep(url, r, fetchedIn, isPage); })
            .then(function (ok) { if (ok) summary.pages += 1; else summary.failed += 1; },
              function () { summary.failed += 1; });
        }
        function pageStep(path) {
          return pages.match(self.location.origin + path).then(function (kept) {
            return kept ? null : fetchPage(path, true);
          }).then(progress);
        }
        function mapStep(doc) {
          var wanted = doc.audio ? doc.audio.version : "";
          return pages.match(self.location.origin + doc.audio_json).then(function (kept) {
            if (!kept) return true;
            return kept.json().then(function (info) {
              return (info.complete ? info.version : "") !== wanted;
            }, function () { return true; });
          }).then(function (stale) { return stale ? fetchPage(doc.audio_json, false) : null; }).then(progress);
        }
        var meetingPage = options.page ? Promise.resolve().then(progress) : fetchPage(pack.page, true).then(progress);
        // The meeting's playlist changes as recordings are made: asked for each time.
        var playlist = function () { return (pack.playlist ? fetchPage(pack.playlist, false) : Promise.resolve()).then(progress); };
        return meetingPage
          .then(playlist)
          .then(function () { return sequence(docs, function (d) { return pageStep(d.page); }); })
          .then(function () { return sequence(docs, mapStep); })
          .then(function () {
            return Promise.all([caches.open(AUDIO), alwaysAudio()]);
          })
          .then(function (found) {
            var audio = found[0];
            var allowed = options.asked || found[1] || onWifi();
            return sequence(docs.filter(function (d) { return d.audio; }), function (doc) {
              var url = self.location.origin + doc.audio.url;
              return audio.match(url).then(function (kept) {
                if (kept) { summary.recordings += 1; return null; }  // never twice
                if (!allowed) { summary.skipped += 1; return null; }
                return roomFor(doc.audio.size, audio).then(function (room) {
                  if (!room) { summary.skipped += 1; return null; }
                  return fetch(url, {credentials: "same-origin"}).then(function (response) {
                    if (!response.ok || response.status !== 200 || fetchedIn !== generation) throw new Error("audio");
                    var path = new URL(url).pathname;
                    // One copy a document: this version in, then older ones out.
                    return track(audio.put(url, response).then(function () {
                      return audio.keys();
                    }).then(function (keys) {
                      return Promise.all(keys.filter(function (k) {
                        return new URL(k.url).pathname === path && k.url !== url;
                      }).map(function (k) { return audio.delete(k); }));
                    })).then(function () { summary.recordings += 1; });
                  }).catch(function () { summary.failed += 1; });
                });
              }).then(progress);
            });
          });
      });
    })
    .then(function () {
      return tellPages({type: "pack-done", pack: packPath, summary: summary}).then(function () { return summary; });
    }, function (error) {
      return tellPages({type: "pack-failed", pack: packPath, asked: options.asked}).then(function () { throw error; });
    });
}

/* --- push ------------------------------------------------------------------------------ */
self.addEventListener("push", function (event) {
  var data = null;
  try { data = event.data ? event.data.json() : null; } catch (e) { data = null; }
  var valid = data && typeof data === "object" && typeof data.title === "string" && data.title;
  var title = valid ? data.title : GENERIC_PUSH;
  var options = {
    body: valid && typeof data.body === "string" ? data.body : "",
    data: {url: (valid && ownPath(data.url)) || "/"},
    icon: ICON,
    badge: ICON,
    lang: "vi"
  };
  if (valid && typeof data.tag === "string") options.tag = data.tag;
  var work = [self.registration.showNotification(title, options)];
  var pack = valid && ownPath(data.pack);
  if (pack) work.push(packMeeting(pack, {asked: false, page: false}).catch(noop));
  event.waitUntil(Promise.all(work));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var data = event.notification.data || {};
  var url = self.location.origin + (ownPath(data.url) || "/");
  event.waitUntil(self.clients.matchAll({type: "window"}).then(function (list) {
    var open = list.filter(function (c) { return new URL(c.url).origin === self.location.origin; })[0];
    if (!open) return self.clients.openWindow(url);
    return open.focus().catch(function () { return open; }).then(function (client) {
      return (client || open).navigate(url);
    }).catch(function () { return self.clients.openWindow(url); });
  }));
});
