/* The timeline under the map: weapons launched per period by type, and attacks. */

import { LOCALE, numberFormat } from "../lib/format.js";
import { gettext, interpolate, ngettext } from "../lib/i18n.js";
import { getJSON, isAbort } from "./api.js";
import { chartOptions, countTicks, drawChart } from "./charts.js";
import { API, LABELS, timings } from "./config.js";
import { WEAPON_COLOURS } from "./icons.js";
import { app, applyState } from "./state.js";
import { filterParams } from "./url.js";

const shortDateFormat = new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", day: "numeric", month: "short" });

let timelineChart = null;
let timelinePeriods = [];
let timelineResults = [];
let timelineInterval = "week";

function autoInterval(state) {
  if (state.interval) return state.interval;
  if (state.started_after && state.started_before) {
    const days = (Date.parse(state.started_before) - Date.parse(state.started_after)) / 864e5;
    if (days <= 92) return "day";
    if (days > 3 * 366) return "month";
  }
  return "week";
}

function periodEnd(start, interval) {
  const date = new Date(start + "T00:00:00Z");
  if (interval === "week") date.setUTCDate(date.getUTCDate() + 6);
  if (interval === "month") {
    date.setUTCMonth(date.getUTCMonth() + 1);
    date.setUTCDate(0);
  }
  return date.toISOString().slice(0, 10);
}

function periodLabel(start, interval) {
  const date = new Date(start + "T00:00:00Z");
  if (interval === "month") return date.toLocaleDateString(LOCALE, { timeZone: "UTC", month: "short", year: "numeric" });
  return shortDateFormat.format(date) + (interval === "week" ? "–" + shortDateFormat.format(new Date(periodEnd(start, interval) + "T00:00:00Z")) : "");
}

function onTimelineClick(event, elements) {
  if (!elements.length) return;
  const period = timelinePeriods[elements[0].index];
  if (!period) return;
  applyState({ ...app.state, started_after: period, started_before: periodEnd(period, timelineInterval) });
}

export async function loadTimeline(state = app.state) {
  timelineInterval = autoInterval(state);
  const params = filterParams(state);
  params.set("interval", timelineInterval);
  let data;
  try {
    data = await getJSON("timeline", `${API}stats/timeline?${params}`);
  } catch (error) {
    if (!isAbort(error)) document.getElementById("timeline-empty").textContent = interpolate(gettext("The timeline could not be loaded (%(error)s)."), { error: error.message });
    return;
  }
  const results = data.results || [];
  timelineInterval = data.interval || timelineInterval;
  // Years of weekly bars are unreadable: an automatic interval switches to months.
  if (!state.interval && timelineInterval === "week" && results.length > 120) {
    return loadTimeline({ ...state, interval: "month" });
  }
  timelinePeriods = results.map((r) => r.period);
  timelineResults = results;
  const types = Object.keys(LABELS.weapon_type).filter((t) => results.some((r) => (r.by_weapon_type || {})[t]));
  const datasets = types.map((t) => ({
    label: LABELS.weapon_type[t],
    data: results.map((r) => (r.by_weapon_type || {})[t] || 0),
    backgroundColor: WEAPON_COLOURS[t],
    stack: "weapons",
  }));
  // The bars count weapons launched; the line counts attacks, on its own axis.
  datasets.push({
    type: "line",
    label: gettext("Attacks"),
    data: results.map((r) => r.attacks),
    borderColor: "#263238",
    backgroundColor: "#263238",
    borderWidth: 1.5,
    pointRadius: results.length > 60 ? 0 : 2,
    yAxisID: "attacks",
    order: -1,
  });
  const empty = results.every((r) => !r.attacks);
  const emptyBox = document.getElementById("timeline-empty");
  emptyBox.textContent = gettext("No attacks match these filters.");
  emptyBox.hidden = !empty;
  const chartData = { labels: results.map((r) => periodLabel(r.period, timelineInterval)), datasets };
  const canvas = document.getElementById("timeline-chart");
  timelineChart = drawChart(timelineChart, canvas, "bar", chartData, chartOptions({
    onClick: onTimelineClick,
    onHover: (event, elements) => {
      if (event.native) event.native.target.style.cursor = elements.length ? "pointer" : "default";
    },
    scales: {
      x: { stacked: true, ticks: { maxRotation: 0, autoSkip: true } },
      y: { stacked: true, beginAtZero: true, title: { display: true, text: gettext("weapons launched") }, ticks: countTicks },
      attacks: {
        position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
        title: { display: true, text: gettext("attacks") }, ticks: countTicks,
      },
    },
    tooltipCallbacks: {
      footer: (items) => {
        const r = timelineResults[items[0].dataIndex];
        if (!r) return "";
        const attacks = interpolate(ngettext("%(count)s attack", "%(count)s attacks", r.attacks), { count: numberFormat.format(r.attacks) });
        return `${attacks} · ` + interpolate(gettext("%(launched)s launched · %(intercepted)s intercepted"), {
          launched: numberFormat.format(r.launched || 0), intercepted: numberFormat.format(r.intercepted || 0),
        });
      },
    },
  }));
  canvas.dataset.periods = String(results.length);
  timings.timelineAt = performance.now();
}
