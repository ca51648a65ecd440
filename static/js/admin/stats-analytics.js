// Charts of the staff analytics dashboard (templates/admin/stats/analytics.html), drawn with
// the vendored Chart.js from the figures the page embeds as JSON (no inline script: CSP).
(function () {
  const data = JSON.parse(document.getElementById("analytics-data").textContent);
  const palette = ["#2f7d5b", "#3b6fb6", "#c2782b", "#8b4fb3", "#b03a48", "#4d8f9e"];
  const common = { responsive: true, maintainAspectRatio: false, animation: false };
  const make = (id, config) => {
    const el = document.getElementById(id);
    el.parentElement.style.height = "280px";
    el.chart = new Chart(el, { ...config, options: { ...common, ...(config.options || {}) } });
  };
  make("chart-occupancy", { type: "bar", data: { labels: data.tables, datasets: [{ label: data.labels.occupancy, data: data.occupancy, backgroundColor: palette[0] }] }, options: { scales: { y: { beginAtZero: true, suggestedMax: 100 } } } });
  make("chart-revenue-day", { type: "bar", data: { labels: data.days, datasets: [{ label: data.labels.revenue, data: data.revenueByDay, backgroundColor: palette[1] }] }, options: { scales: { y: { beginAtZero: true } } } });
  make("chart-revenue-kind", { type: "doughnut", data: { labels: data.kinds, datasets: [{ data: data.revenueByKind, backgroundColor: palette }] } });
  make("chart-sessions", { type: "doughnut", data: { labels: data.labels.sessions, datasets: [{ data: data.sessions, backgroundColor: [palette[2], palette[3]] }] } });
  make("chart-players", { type: "bar", data: { labels: data.players, datasets: [{ label: data.labels.hours, data: data.playerHours, backgroundColor: palette[4] }] }, options: { indexAxis: "y", scales: { x: { beginAtZero: true } } } });
  document.querySelectorAll("#heatmap td").forEach((td) => {
    const v = Math.min(100, Number(td.dataset.v) || 0);
    td.style.background = v ? `rgba(47, 125, 91, ${0.12 + 0.88 * v / 100})` : "transparent";
  });
  document.body.dataset.chartsReady = "1";
})();
