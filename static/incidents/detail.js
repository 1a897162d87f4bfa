/* The detail pages: the small map on a facility page, the outage charts on a region page.
 *
 * A module, loaded before incidents/leaflet-init.js so that the map's callback exists when
 * the map starts.
 */
import { statusColour } from "./lib/colours.js";
import { dateFormat as dayFormat, dateTimeFormat as dayTimeFormat, numberFormat } from "./lib/format.js";
import { gettext, interpolate } from "./lib/i18n.js";

window.facilityMapInit = function (map) {
  const point = JSON.parse(document.getElementById("facility-point").textContent);
  const position = [point.lat, point.lng];
  // Leaflet parses a string as HTML; the name is an analyst's text, so it goes in as a text node.
  const label = document.createElement("span");
  label.textContent = point.name;
  const colour = statusColour(point.status);
  L.circleMarker(position, {
    radius: 9, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 1,
  }).addTo(map).bindTooltip(label, { permanent: false });
  map.setView(position, 12);
};

// Times are shown in Kyiv time, as in the tables under the charts.
const DAY_MS = 24 * 3600 * 1000;

/* One step chart per service and unit: a figure holds until the next report replaces it. */
function drawOutageCharts() {
  const data = document.getElementById("outage-series");
  if (!data || typeof Chart === "undefined") return;
  const series = JSON.parse(data.textContent);
  for (const canvas of document.querySelectorAll("canvas[data-series]")) {
    const group = series[Number(canvas.dataset.series)];
    if (!group || !group.points.length) continue;
    const xs = group.points.map((p) => p.x);
    const span = Math.max(...xs) - Math.min(...xs);
    // Over a few days the hour matters; over months it would only crowd the axis.
    const tickFormat = span < 3 * DAY_MS ? dayTimeFormat : dayFormat;
    // A lone report is drawn as a point in the middle of a one-day axis.
    const pad = span ? span * 0.03 : DAY_MS / 2;
    // Ticks a whole number of days apart, as many as fit side by side (a date is ~100 px wide).
    const fit = Math.max(2, Math.min(6, Math.floor(canvas.parentElement.clientWidth / 110)));
    const step = [1, 2, 7, 14, 30, 61, 91, 182, 365].find((days) => span / (days * DAY_MS) <= fit) || 730;
    new Chart(canvas, {
      type: "line",
      data: {
        datasets: [{
          label: `${group.without} (${group.unit.toLowerCase()})`,
          data: group.points,
          stepped: "before",
          borderColor: "#b3261e",
          backgroundColor: "#b3261e",
          pointRadius: 3,
        }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: {
            type: "linear",
            min: Math.min(...xs) - pad,
            max: Math.max(...xs) + pad,
            ticks: { stepSize: step * DAY_MS, maxRotation: 0, callback: (value) => tickFormat.format(new Date(value)) },
          },
          y: { beginAtZero: true, ticks: { precision: 0, callback: (value) => numberFormat.format(value) } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => interpolate(gettext("%(when)s Kyiv time"), { when: dayTimeFormat.format(new Date(items[0].raw.x)) }),
              label: (item) => `${group.without}: ${item.raw.text}`,
            },
          },
        },
      },
    });
  }
}

drawOutageCharts();
