/* The figures above the map for the current filters. */

import { fmtNumber, percentFormat } from "../lib/format.js";
import { getJSON, isAbort } from "./api.js";
import { API, timings } from "./config.js";
import { app } from "./state.js";
import { filterParams } from "./url.js";
import { unitName } from "./words.js";
import { gettext, interpolate, ngettext } from "../lib/i18n.js";

const summaryBox = document.getElementById("summary");

function currentOutageText(outages, service) {
  const rows = (outages || []).filter((o) => o.service === service && o.count);
  if (!rows.length) return gettext("none reported");
  return rows
    .map((o) => `${fmtNumber(o.count)} ${unitName(o.unit)}` +
      (o.regions
        ? " " + interpolate(ngettext("in %(count)s region", "in %(count)s regions", o.regions), { count: fmtNumber(o.regions) })
        : ""))
    .join("; ");
}

/* Why a figure counts more than the map draws: e.g. "2 facilities are shown only by region". */
const NOT_ON_MAP = {
  shown_by_region_only: (n) => interpolate(
    ngettext("%(count)s facility is shown only by region", "%(count)s facilities are shown only by region", n),
    { count: fmtNumber(n) },
  ),
  no_impact_point: (n) => interpolate(
    ngettext("%(count)s attack has no point on the map", "%(count)s attacks have no point on the map", n),
    { count: fmtNumber(n) },
  ),
};

function showNotes(notes) {
  for (const dd of summaryBox.querySelectorAll("[data-note]")) {
    const note = (notes || []).find((n) => n.figure === dd.dataset.note);
    const words = note && NOT_ON_MAP[note.reason];
    dd.textContent = words ? words(note.count) : "";
    dd.hidden = !words;
  }
}

export async function loadSummary() {
  summaryBox.setAttribute("aria-busy", "true");
  summaryBox.classList.add("is-loading");
  let data;
  try {
    data = await getJSON("summary", `${API}stats/summary?${filterParams(app.state)}`);
  } catch (error) {
    if (isAbort(error)) return;
    for (const dd of summaryBox.querySelectorAll("dd[data-figure]")) dd.textContent = "–";
    showNotes([]);
    summaryBox.querySelector('[data-figure="attacks"]').textContent = gettext("unavailable");
    summaryBox.classList.remove("is-loading");
    return;
  }
  const set = (name, text) => (summaryBox.querySelector(`[data-figure="${name}"]`).textContent = text);
  set("attacks", fmtNumber(data.attacks));
  set("facilities_damaged", fmtNumber(data.facilities_damaged));
  set("facilities_destroyed", fmtNumber(data.facilities_destroyed));
  showNotes(data.not_on_map);
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
