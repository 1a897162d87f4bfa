/* The figures above the map for the current filters. */

import { fmtNumber, percentFormat } from "../lib/format.js";
import { getJSON, isAbort } from "./api.js";
import { API, timings } from "./config.js";
import { app } from "./state.js";
import { filterParams } from "./url.js";
import { unitName } from "./words.js";

const summaryBox = document.getElementById("summary");

function currentOutageText(outages, service) {
  const rows = (outages || []).filter((o) => o.service === service && o.count);
  if (!rows.length) return "none reported";
  return rows
    .map((o) => `${fmtNumber(o.count)} ${unitName(o.unit)}` +
      (o.regions ? ` in ${fmtNumber(o.regions)} region${o.regions === 1 ? "" : "s"}` : ""))
    .join("; ");
}

export async function loadSummary() {
  summaryBox.setAttribute("aria-busy", "true");
  summaryBox.classList.add("is-loading");
  let data;
  try {
    data = await getJSON("summary", `${API}stats/summary?${filterParams(app.state)}`);
  } catch (error) {
    if (isAbort(error)) return;
    for (const dd of summaryBox.querySelectorAll("dd")) dd.textContent = "–";
    summaryBox.querySelector('[data-figure="attacks"]').textContent = "unavailable";
    summaryBox.classList.remove("is-loading");
    return;
  }
  const set = (name, text) => (summaryBox.querySelector(`[data-figure="${name}"]`).textContent = text);
  set("attacks", fmtNumber(data.attacks));
  set("facilities_damaged", fmtNumber(data.facilities_damaged));
  set("facilities_destroyed", fmtNumber(data.facilities_destroyed));
  set("heating", currentOutageText(data.outages_current, "heating"));
  set("electricity", currentOutageText(data.outages_current, "electricity"));
  set("weapons_launched", fmtNumber(data.weapons_launched));
  set(
    "interception",
    data.interception_rate === null || data.interception_rate === undefined
      ? "–"
      : `${percentFormat.format(data.interception_rate)} (${fmtNumber(data.weapons_intercepted)})`,
  );
  summaryBox.setAttribute("aria-busy", "false");
  summaryBox.classList.remove("is-loading");
  timings.summaryAt = performance.now();
}
