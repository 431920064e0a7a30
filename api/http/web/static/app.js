// innonet workbench: suggestions as you type (the one resolver, /web/suggest). Text only: never innerHTML.
(function () {
  "use strict";
  function attach(input) {
    var url = input.getAttribute("data-suggest");
    var fill = input.hasAttribute("data-fill");  // pick a name into the form instead of opening its page
    function choose(row) {
      if (fill) { input.value = row.name; close(); } else { window.location.assign(row.url); }
    }
    var box = document.createElement("ul");
    box.className = "suggest";
    box.setAttribute("role", "listbox");
    box.hidden = true;
    input.setAttribute("aria-autocomplete", "list");
    input.parentNode.appendChild(box);
    var timer = null, seq = 0, items = [], active = -1;
    function close() { box.hidden = true; active = -1; }
    function mark() {
      for (var i = 0; i < box.children.length; i++) {
        box.children[i].setAttribute("aria-selected", i === active ? "true" : "false");
      }
    }
    function show(rows) {
      items = rows; active = -1;
      while (box.firstChild) { box.removeChild(box.firstChild); }
      rows.forEach(function (row) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        var name = document.createElement("span");
        name.textContent = row.name;
        var kind = document.createElement("span");
        kind.className = "tag";
        kind.textContent = row.kind_zh;
        var place = document.createElement("span");
        place.className = "muted";
        place.textContent = row.place || "";
        li.appendChild(name); li.appendChild(kind); li.appendChild(place);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(row); });
        box.appendChild(li);
      });
      box.hidden = rows.length === 0;
    }
    function ask() {
      var text = input.value.trim();
      if (!text) { show([]); return; }
      var mine = ++seq;
      fetch(url + "?q=" + encodeURIComponent(text), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (rows) { if (mine === seq && Array.isArray(rows)) { show(rows); } })
        .catch(function () { show([]); });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 150); });
    input.addEventListener("keydown", function (event) {
      if (box.hidden) { return; }
      if (event.key === "ArrowDown") { active = Math.min(active + 1, items.length - 1); mark(); event.preventDefault(); }
      else if (event.key === "ArrowUp") { active = Math.max(active - 1, 0); mark(); event.preventDefault(); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(items[active]); }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  function confirmForms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-suggest]").forEach(attach);
    confirmForms();
  });
})();
