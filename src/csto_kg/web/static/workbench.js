// The query workbench's editor: a plain textarea with a few conveniences.
// Everything works without this script; it only adds keyboard help.
(function () {
  "use strict";
  var area = document.getElementById("query");
  var form = document.getElementById("query-form");
  if (!area || !form) { return; }
  area.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.submit();
    } else if (event.key === "Tab" && !event.shiftKey && !event.altKey) {
      // Indent with two spaces instead of leaving the editor (Shift+Tab and Esc then Tab still move focus).
      if (area.dataset.escaped === "1") { area.dataset.escaped = ""; return; }
      event.preventDefault();
      var start = area.selectionStart, end = area.selectionEnd;
      area.value = area.value.slice(0, start) + "  " + area.value.slice(end);
      area.selectionStart = area.selectionEnd = start + 2;
    } else if (event.key === "Escape") {
      area.dataset.escaped = "1";
    }
  });
})();
