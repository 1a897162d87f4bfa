/* Popups and tooltips, built from DOM nodes: Leaflet would parse a string as HTML. */

import { statusColour } from "../lib/colours.js";
import { el, lookup, sitePath } from "../lib/dom.js";
import { fmtDateTime, fmtNumber } from "../lib/format.js";
import { getJSON, isAbort } from "./api.js";
import { API, LABELS } from "./config.js";
import { app, applyState } from "./state.js";
import { view } from "./view.js";
import { outageText, withoutServiceText } from "./words.js";
import { gettext, interpolate, ngettext } from "../lib/i18n.js";

// A record's page, in the public view while the dashboard shows it.
function detailPath(url) {
  const path = sitePath(url);
  return path !== "#" && app.state.view === "public" ? `${path}?view=public` : path;
}

// The words of a facility popup's list of attacks, in one place.
const ATTACK_LIST_WORDS = {
  heading: () => gettext("Attacks that hit it (Kyiv time)"),
  loading: () => gettext("Loading the attacks…"),
  none: () => gettext("No attack recorded."),
  failed: (why) => interpolate(gettext("The attacks could not be loaded (%(reason)s)."), { reason: why }),
  more: (n) => interpolate(ngettext("and %(count)s more", "and %(count)s more", n), { count: fmtNumber(n) }),
};
// A summary longer than this is cut in the popup; the attack's page has it whole.
const SUMMARY_CHARS = 120;

const shortened = (text) => (text && text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS - 1)}…` : text || "");

/** The attacks that hit a facility, asked for when its popup opens (the layer does not
 * carry them): an attack marker on the facility's own spot lies under the facility's,
 * so the facility's popup is the way to reach it. `resized` tells the popup to fit. */
async function fillAttackList(box, facilityId, resized) {
  let data;
  try {
    data = await getJSON("facility-attacks", `${API}map/facilities/${encodeURIComponent(facilityId)}/attacks`);
  } catch (error) {
    if (isAbort(error)) return;
    box.replaceChildren(el("p", { class: "muted" }, ATTACK_LIST_WORDS.failed(error.message)));
    resized();
    return;
  }
  const items = (data.attacks || []).map((a) => el("li", {},
    el("a", { href: detailPath(a.url) }, fmtDateTime(a.started_at)),
    a.severity_label ? [" ", el("span", { class: "muted" }, `(${a.severity_label.toLowerCase()})`)] : null,
    el("br"), shortened(a.summary)));
  const more = data.count - items.length;
  box.replaceChildren(
    el("p", { class: "popup-attacks-heading" }, ATTACK_LIST_WORDS.heading()),
    items.length ? el("ul", { class: "popup-attacks" }, items) : el("p", { class: "muted" }, ATTACK_LIST_WORDS.none()),
    ...(more > 0 ? [el("p", {}, el("a", { href: detailPath(data.url), class: "popup-more" }, ATTACK_LIST_WORDS.more(more)))] : []));
  box.setAttribute("aria-busy", "false");
  resized();
}

export function facilityPopup(p, resized = () => {}) {
  const kind = p.kind_label || lookup(LABELS.kind, p.kind, p.kind);
  const status = p.status_label || lookup(LABELS.status, p.status, p.status);
  const severity = p.last_severity ? ` (${p.last_severity})` : "";
  const attacks = el("div", { class: "popup-attack-list", "aria-live": "polite", "aria-busy": "true" },
    el("p", { class: "muted" }, ATTACK_LIST_WORDS.loading()));
  fillAttackList(attacks, p.id, resized);
  return el("div", { class: "popup" },
    el("strong", {}, p.name), el("br"), kind, el("br"),
    el("span", { class: "status-badge", style: { "--c": statusColour(p.status) } }, status),
    p.locality ? [el("br"), p.locality] : null,
    p.last_attack_at ? [el("br"), interpolate(gettext("Last hit %(when)s"), { when: fmtDateTime(p.last_attack_at) }) + severity] : null,
    attacks,
    el("a", { href: detailPath(p.url) }, gettext("Facility details")));
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
