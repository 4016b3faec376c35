/* Private notes: "Ghi chú riêng" in the paragraph's tap menu fills the note form with that
   paragraph (its own note opened for editing, if it has one). Without JavaScript the form
   takes the paragraph's number by hand. */
(function () {
  "use strict";
  var button = document.getElementById("tap-note"), form = document.getElementById("note-form");
  var menu = document.getElementById("tap-menu");
  if (!button || !form || !menu) return;
  var tapped = null;
  // Capturing on the document runs before the reader's own handler on the article.
  document.addEventListener("click", function (event) {
    var node = event.target.closest && event.target.closest("article.reader .page [data-n]");
    if (node && !event.target.closest("a, button, form")) tapped = node;
  }, true);
  button.addEventListener("click", function () {
    menu.hidden = true;
    if (!tapped) return;
    var n = tapped.getAttribute("data-n");
    var own = document.getElementById("note-" + n);
    if (own) {
      var details = own.querySelector("details");
      if (details) details.open = true;
      own.scrollIntoView({block: "center"});
      var text = own.querySelector("textarea");
      if (text) text.focus();
      return;
    }
    form.elements.paragraph.value = n;
    form.scrollIntoView({block: "center"});
    form.elements.body.focus();
  });
})();
