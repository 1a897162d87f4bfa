/* The chosen region's outage figures over time, for the chosen service. */

import { fmtDateTime } from "../lib/format.js";
import { getJSON, isAbort } from "./api.js";
import { chartOptions, countTicks, drawChart } from "./charts.js";
import { API } from "./config.js";
import { regionName } from "./filters.js";
import { updateLegendService } from "./legend.js";
import { app } from "./state.js";
import { outageText, unitName, withoutService } from "./words.js";
import { capitalise, gettext, interpolate } from "../lib/i18n.js";

const PALETTE = ["#b3261e", "#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00"];
let seriesChart = null;

export async function loadSeries() {
  const state = app.state;
  updateLegendService();
  const region = state.region[0];
  const hint = document.getElementById("series-hint");
  const canvas = document.getElementById("series-chart");
  const name = region ? regionName(region) : "";
  document.getElementById("series-region").textContent = region ? name : gettext("the chosen region");
  if (!region) {
    hint.textContent = gettext("Choose a region (filter or map) to see its outage figures over time.");
    hint.hidden = false;
    canvas.parentElement.hidden = true;
    return;
  }
  const params = new URLSearchParams({ region, service: state.service });
  for (const key of ["started_after", "started_before"]) if (state[key]) params.set(key, state[key]);
  let data;
  try {
    data = await getJSON("series", `${API}outages/series?${params}`);
  } catch (error) {
    if (!isAbort(error)) hint.textContent = interpolate(gettext("The outage series could not be loaded (%(error)s)."), { error: error.message });
    return;
  }
  const rows = data.results || [];
  if (!rows.length) {
    hint.textContent = interpolate(gettext("%(region)s: no figures %(without_service)s."), { region: name, without_service: withoutService(state.service) });
    hint.hidden = false;
    canvas.parentElement.hidden = true;
    return;
  }
  hint.hidden = true;
  canvas.parentElement.hidden = false;
  const units = [...new Set(rows.map((r) => r.unit))];
  const labels = [...new Set(rows.map((r) => r.as_of))];
  const chartData = {
    labels: labels.map(fmtDateTime),
    datasets: units.map((unit, i) => ({
      label: `${capitalise(withoutService(state.service))} (${unitName(unit)})`,
      data: labels.map((at) => {
        const row = rows.find((r) => r.unit === unit && r.as_of === at);
        return row ? row.count : null;
      }),
      borderColor: PALETTE[i % PALETTE.length],
      backgroundColor: PALETTE[i % PALETTE.length],
      spanGaps: true,
      stepped: "before",
    })),
  };
  const asOf = (r) => interpolate(gettext("%(figure)s as of %(when)s"), { figure: outageText(r), when: fmtDateTime(r.as_of) });
  canvas.setAttribute("aria-label", `${name}: ${rows.map(asOf).join("; ")}`);
  seriesChart = drawChart(seriesChart, canvas, "line", chartData, chartOptions({
    scales: { y: { beginAtZero: true, ticks: countTicks } },
  }));
}
