/* Popups and tooltips, built from DOM nodes: Leaflet would parse a string as HTML. */

import { statusColour } from "../lib/colours.js";
import { el, lookup, sitePath } from "../lib/dom.js";
import { fmtDateTime, fmtNumber } from "../lib/format.js";
import { LABELS } from "./config.js";
import { app, applyState } from "./state.js";
import { view } from "./view.js";
import { outageText, serviceName } from "./words.js";

// A record's page, in the public view while the dashboard shows it.
function detailPath(url) {
  const path = sitePath(url);
  return path !== "#" && app.state.view === "public" ? `${path}?view=public` : path;
}

export function facilityPopup(p) {
  const kind = p.kind_label || lookup(LABELS.kind, p.kind, p.kind);
  const status = p.status_label || lookup(LABELS.status, p.status, p.status);
  const severity = p.last_severity ? ` (${p.last_severity})` : "";
  return el("div", { class: "popup" },
    el("strong", {}, p.name), el("br"), kind, el("br"),
    el("span", { class: "status-badge", style: { "--c": statusColour(p.status) } }, status),
    p.locality ? [el("br"), p.locality] : null,
    p.last_attack_at ? [el("br"), `Last hit ${fmtDateTime(p.last_attack_at)}${severity}`] : null,
    el("br"), el("a", { href: detailPath(p.url) }, "Facility details"));
}

const known = (n) => (n === null || n === undefined ? "unknown" : fmtNumber(n));

export function attackPopup(p) {
  const weapons = (p.weapon_types || []).map((t) => lookup(LABELS.weapon_type, t, t)).join(", ") || "unknown";
  const names = (p.facility_names || []).join(", ");
  const more = p.facilities_hit > (p.facility_names || []).length ? ` and ${fmtNumber(p.facilities_hit - p.facility_names.length)} more` : "";
  return el("div", { class: "popup" },
    el("strong", {}, fmtDateTime(p.started_at)), " ", el("span", { class: "muted" }, "Kyiv time"),
    el("br"), p.summary,
    el("br"), `Weapons: ${weapons}`,
    el("br"), `Launched ${known(p.launched)}, intercepted ${known(p.intercepted)}`,
    el("br"), `Facilities hit: ${fmtNumber(p.facilities_hit || 0)}${names ? ` (${names}${more})` : ""}`,
    el("br"), lookup(LABELS.verification_status, p.verification_status, p.verification_status || ""),
    el("br"), el("a", { href: detailPath(p.url) }, "Attack details"));
}

export function regionTooltip(p) {
  const outages = (p.outages || []).filter((o) => o.service === app.state.service);
  const service = serviceName(app.state.service);
  const lines = outages.length
    ? outages.map((o, i) => [
      i ? el("br") : null,
      `Without ${service}: ${outageText(o)}`, el("br"),
      el("span", { class: "muted" }, `as of ${fmtDateTime(o.as_of)}`),
    ])
    : [`No ${service} outage reported`];
  const attacks = p.attacks !== undefined
    ? [el("br"), `${fmtNumber(p.attacks)} attack${p.attacks === 1 ? "" : "s"} in the period`]
    : null;
  return el("div", {}, el("strong", {}, p.name), el("br"), ...lines.flat(), attacks);
}

export function regionPopup(p) {
  const only = el("button", { type: "button", class: "link-button" }, "Show only this region");
  // Leaflet keeps clicks inside a popup from reaching the document, so the button listens itself.
  only.addEventListener("click", () => {
    view.map.closePopup();
    applyState({ ...app.state, region: [p.code] });
  });
  return el("div", { class: "popup" },
    regionTooltip(p), el("a", { href: detailPath(p.url) }, "Region details"), el("br"), only);
}
