/* Accessible names and roles for the parts of Dash 4 components that render without them:
   - dcc.Dropdown: its keyboard focus target is an aria-hidden input; it gets the combobox role and the name
     of its label and value instead (the visible button is not a tab stop);
   - dash_table.DataTable: paging buttons (icons only), the case toggle of filters, the page-number input;
   - dcc.Upload: the hidden file input is named after the drop zone's text.
   The words come from #a11y-texts (translated on the server). */
(function () {
  "use strict";

  function texts() {
    var el = document.getElementById("a11y-texts");
    return el ? el.dataset : {};
  }

  function labelFor(id) {
    if (!id) { return null; }
    var labels = document.querySelectorAll("label[for]");
    for (var i = 0; i < labels.length; i++) {
      if (labels[i].htmlFor === id) { return labels[i]; }
    }
    return null;
  }

  function fixDropdown(input, t) {
    var button = input.parentElement && input.parentElement.querySelector("button.dash-dropdown");
    if (!button) { return; }
    input.removeAttribute("aria-hidden");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-haspopup", "listbox");
    input.setAttribute("aria-expanded", button.getAttribute("aria-expanded") || "false");
    var label = labelFor(button.id), ids = [];
    if (label) {
      if (!label.id) { label.id = button.id + "--label"; }
      ids.push(label.id);
    }
    (button.getAttribute("aria-labelledby") || "").split(/\s+/).forEach(function (id) {
      if (id && document.getElementById(id)) { ids.push(id); }
    });
    if (ids.length) { input.setAttribute("aria-labelledby", ids.join(" ")); }
  }

  function name(el, text) {
    if (text && !el.getAttribute("aria-label")) { el.setAttribute("aria-label", text); }
  }

  function fix() {
    var t = texts();
    document.querySelectorAll("input.dash-dropdown-focus-target").forEach(function (el) { fixDropdown(el, t); });
    [["first-page", t.firstPage], ["previous-page", t.previousPage], ["next-page", t.nextPage],
     ["last-page", t.lastPage]].forEach(function (pair) {
      document.querySelectorAll("button." + pair[0]).forEach(function (el) { name(el, pair[1]); });
    });
    document.querySelectorAll(".dash-filter--case").forEach(function (el) { name(el, t["case"]); });
    document.querySelectorAll(".dash-spreadsheet-container input.current-page").forEach(function (el) {
      name(el, t.page);
    });
    document.querySelectorAll("input[type=file]").forEach(function (el) {
      if (el.labels && el.labels.length) { return; }
      var zone = el.parentElement;
      var words = zone ? (zone.innerText || "").trim() : "";
      name(el, words || t.upload);
    });
  }

  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fix(); });
  }

  function start() {
    fix();
    new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true, attributes: true,
                                                           attributeFilter: ["aria-expanded"]});
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
