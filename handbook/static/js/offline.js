/* The offline page: the pages this phone kept (sw.js), newest first, each by its own title.
   Shown in place of a page never kept when the network is too slow: the page still on its way
   replaces it when it comes (the worker tells, data-kept-updating). */
(function () {
  "use strict";

  var waiting = document.getElementById("waiting");
  var sw = navigator.serviceWorker;
  var here = location.pathname + location.search;
  if (waiting && sw && sw.controller && document.body.hasAttribute("data-kept-updating")) {
    waiting.hidden = false;
    sw.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type !== "kept-outcome" || data.path !== here) return;
      if (data.state === "fresh" || data.state === "reload") location.reload();
      else waiting.hidden = true;
    });
    if (sw.startMessages) sw.startMessages();
    sw.controller.postMessage({type: "kept-shown", path: here});
  }

  var list = document.getElementById("kept");
  var none = document.getElementById("kept-none");
  if (!list || !window.caches) { if (none) none.hidden = false; return; }

  function titleOf(html) {
    var found = /<title>([^<]*)<\/title>/.exec(html);
    var text = document.createElement("textarea");
    text.innerHTML = found ? found[1] : "";  // decode entities; a textarea never runs markup
    return text.value.replace(/ · Sổ tay Đảng viên$/, "").trim();
  }

  caches.open("handbook-pages").then(function (cache) {
    return cache.keys().then(function (requests) {
      var pages = requests.filter(function (r) {
        return !/\/(audio\.json|pack)$/.test(new URL(r.url).pathname);
      }).reverse();
      return Promise.all(pages.map(function (request) {
        return cache.match(request).then(function (response) { return response.text(); })
          .then(function (html) { return {url: request.url, title: titleOf(html)}; });
      }));
    });
  }).then(function (pages) {
    pages.forEach(function (page) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = page.url;
      link.textContent = page.title || new URL(page.url).pathname;
      item.appendChild(link);
      list.appendChild(item);
    });
    none.hidden = pages.length > 0;
  }).catch(function () { none.hidden = false; });
})();
