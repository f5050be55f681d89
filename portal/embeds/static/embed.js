/* Draws the one chart of an embed page from the JSON beside it: no inline script, so the page's
   Content-Security-Policy allows scripts from the portal only. */
(function () {
  "use strict";
  var target = document.getElementById("chart");
  var source = document.getElementById("chart-data");
  if (!target || !source || !window.Plotly) {
    return;
  }
  var spec = JSON.parse(source.textContent);
  window.Plotly.newPlot(target, spec.data, spec.layout, spec.config).then(function () {
    target.setAttribute("data-ready", "true");
  });
})();
