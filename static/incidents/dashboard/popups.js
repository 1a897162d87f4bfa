/* Popups and tooltips, built from DOM nodes: Leaflet would parse a string as HTML. */

import { statusColour } from "../lib/colours.js";
import { el, lookup, sitePath } from "../lib/dom.js";
import { fmtDateTime, fmtNumber } from "../lib/format.js";
import { LABELS } from "./config.js";
import { app, applyState } from "./state.js";
import { view } from "./view.js";
import { outageText, withoutServiceText } from "./words.js";
import { gettext, interpolate, ngettext } from "../lib/i18n.js";

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
    p.last_attack_at ? [el("br"), interpolate(gettext("Last hit %(when)s"), { when: fmtDateTime(p.last_attack_at) }) + severity] : null,
    el("br"), el("a", { href: detailPath(p.url) }, gettext("Facility details")));
}

const known = (n) => (n === null || n === undefined ? gettext("unknown") : fmtNumber(n));

export function attackPopup(p) {
  const weapons = (p.weapon_types || []).map((t) => lookup(LABELS.weapon_type, t, t)).join(", ") || gettext("unknown");
  const names = (p.facility_names || []).join(", ");
  const more = p.facilities_hit > (p.facility_names || []).length
    ? interpolate(gettext(" and %(count)s more"), { count: fmtNumber(p.facilities_hit - p.facility_names.length) })
    : "";
  return el("div", { class: "popup" },
    el("strong", {}, fmtDateTime(p.started_at)), " ", el("span", { class: "muted" }, gettext("Kyiv time")),
    el("br"), p.summary,
    el("br"), interpolate(gettext("Weapons: %(weapons)s"), { weapons }),
    el("br"), interpolate(gettext("Launched %(launched)s, intercepted %(intercepted)s"), { launched: known(p.launched), intercepted: known(p.intercepted) }),
    el("br"), interpolate(gettext("Facilities hit: %(count)s"), { count: fmtNumber(p.facilities_hit || 0) }) + (names ? ` (${names}${more})` : ""),
    el("br"), lookup(LABELS.verification_status, p.verification_status, p.verification_status || ""),
    el("br"), el("a", { href: detailPath(p.url) }, gettext("Attack details")));
}

export function regionTooltip(p) {
  const outages = (p.outages || []).filter((o) => o.service === app.state.service);
  const lines = outages.length
    ? outages.map((o, i) => [
      i ? el("br") : null,
      withoutServiceText(app.state.service, outageText(o)), el("br"),
      el("span", { class: "muted" }, interpolate(gettext("as of %(when)s"), { when: fmtDateTime(o.as_of) })),
    ])
    : [withoutServiceText(app.state.service, gettext("none reported"))];
  const attacks = p.attacks !== undefined
    ? [el("br"), interpolate(ngettext("%(count)s attack in the period", "%(count)s attacks in the period", p.attacks), { count: fmtNumber(p.attacks) })]
    : null;
  return el("div", {}, el("strong", {}, p.name), el("br"), ...lines.flat(), attacks);
}

export function regionPopup(p) {
  const only = el("button", { type: "button", class: "link-button" }, gettext("Show only this region"));
  // Leaflet keeps clicks inside a popup from reaching the document, so the button listens itself.
  only.addEventListener("click", () => {
    view.map.closePopup();
    applyState({ ...app.state, region: [p.code] });
  });
  return el("div", { class: "popup" },
    regionTooltip(p), el("a", { href: detailPath(p.url) }, gettext("Region details")), el("br"), only);
}
