/* The map's legend: facility status and kind, weapon colours, outage classes. */

import { statusColour } from "../lib/colours.js";
import { el } from "../lib/dom.js";
import { numberFormat } from "../lib/format.js";
import { LABELS } from "./config.js";
import { NO_OUTAGE_COLOUR, OUTAGE_BINS, glyph, weaponColour } from "./icons.js";
import { app } from "./state.js";
import { withoutService } from "./words.js";
import { gettext, interpolate } from "../lib/i18n.js";

function legendBox() {
  const box = L.DomUtil.create("div", "map-legend");
  const swatch = (colour, round) => el("span", { class: round ? "swatch round" : "swatch", style: { background: colour } });
  const statuses = Object.entries(LABELS.status)
    .map(([value, label]) => el("li", {}, swatch(statusColour(value), true), label));
  const kinds = Object.entries(LABELS.kind).map(([value, label]) => {
    const icon = el("span", { class: "glyph" });
    icon.innerHTML = glyph(value, 14);
    return el("li", {}, icon, label);
  });
  const weapons = Object.entries(LABELS.weapon_type)
    .map(([value, label]) => el("li", {}, swatch(weaponColour(value), true), label));
  const bins = [...OUTAGE_BINS].reverse().map((bin, i, all) => {
    const upper = all[i + 1] ? `–${numberFormat.format(all[i + 1].min - 1)}` : "+";
    return el("li", {}, swatch(bin.colour), `${numberFormat.format(bin.min)}${upper}`);
  });
  box.append(el("details", { open: window.matchMedia("(min-width: 900px)").matches ? "" : null },
    el("summary", {}, gettext("Legend")),
    el("h3", {}, gettext("Facility status")), el("ul", { class: "cols" }, statuses),
    el("details", { class: "kinds-box" }, el("summary", {}, gettext("Facility kinds")), el("ul", { class: "cols" }, kinds)),
    el("h3", {}, gettext("Attacks: colour = weapons used, size = number launched")), el("ul", { class: "cols" }, weapons),
    el("h3", {}, gettext("Regions:"), " ", el("span", { class: "legend-service" })),
    el("ul", { class: "cols" }, bins, el("li", {}, swatch(NO_OUTAGE_COLOUR), gettext("none reported")))));
  L.DomEvent.disableClickPropagation(box);
  L.DomEvent.disableScrollPropagation(box);
  return box;
}

export function addLegend(map) {
  const legend = L.control({ position: "bottomleft" });
  legend.onAdd = legendBox;
  legend.addTo(map);
}

export function updateLegendService() {
  for (const node of document.querySelectorAll(".legend-service")) {
    node.textContent = interpolate(gettext("%(without_service)s now"), { without_service: withoutService(app.state.service) });
  }
}
