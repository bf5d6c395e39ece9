// Draws the program reports' charts from the JSON the page carries (json_script), no inline script (CSP).
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var palette = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#ffc107", "#0dcaf0"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    var datasets = (spec.datasets || []).map(function (d, i) {
      var color = palette[i % palette.length];
      return { label: d.label, data: d.data, backgroundColor: color, borderColor: color, tension: 0.2 };
    });
    new window.Chart(canvas, {
      type: spec.type || "bar",
      data: { labels: spec.labels || [], datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: spec.horizontal ? "y" : "x",
        scales: { x: { stacked: !!spec.stacked }, y: { stacked: !!spec.stacked, beginAtZero: true } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  });
})();
