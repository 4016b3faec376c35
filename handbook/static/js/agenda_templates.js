/* The new-meeting form's agenda templates: a tap fills the title, kind, agenda (and the
   branch's regular day) in place, keeping what else was typed. Without it each template is a
   link that reloads the form pre-filled (?template=...), which the server does the same way. */
(function () {
  "use strict";
  var links = document.querySelectorAll("a[data-template]");
  var agendaField = document.querySelector("textarea[name=agenda]");
  var form = agendaField && agendaField.form;
  if (!links.length || !form) return;
  var fields = {
    title: form.querySelector("[name=title]"),
    kind: form.querySelector("[name=kind]"),
    agenda: form.querySelector("[name=agenda]"),
    date: form.querySelector("[name=date]"),
    template: form.querySelector("[name=template]")
  };
  Array.prototype.forEach.call(links, function (link) {
    link.addEventListener("click", function (event) {
      var agenda = link.getAttribute("data-agenda");
      var typed = fields.agenda.value.trim();
      if (typed && typed !== agenda.trim() &&
          !window.confirm("Thay chương trình đang nhập bằng mẫu “" + link.textContent.trim() + "”?")) {
        event.preventDefault();
        return;
      }
      event.preventDefault();
      fields.title.value = link.getAttribute("data-title");
      fields.kind.value = link.getAttribute("data-kind");
      fields.agenda.value = agenda;
      fields.template.value = link.getAttribute("data-template");
      if (link.hasAttribute("data-date") && !fields.date.value.trim()) {
        fields.date.value = link.getAttribute("data-date");
      }
      Array.prototype.forEach.call(links, function (other) {
        if (other === link) other.setAttribute("aria-current", "true");
        else other.removeAttribute("aria-current");
      });
      fields.agenda.focus();
    });
  });
})();
