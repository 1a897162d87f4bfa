/* How the page words the API's values (units, services, outage figures) and the public view.
 * Every sentence is a whole message for the translators (gettext), never glued from pieces
 * whose grammar only works in English. */

import { lookup } from "../lib/dom.js";
import { fmtNumber } from "../lib/format.js";
import { capitalise, gettext, interpolate, ngettext } from "../lib/i18n.js";
import { LABELS } from "./config.js";

export const unitName = (unit) => String(lookup(LABELS.unit, unit, unit || "")).toLowerCase();
export const serviceName = (service) => String(lookup(LABELS.service, service, service)).toLowerCase();

/** "without heating": a phrase of its own per service, as Ukrainian needs another case. */
export function withoutService(service) {
  const phrases = {
    heating: gettext("without heating"),
    electricity: gettext("without electricity"),
    water: gettext("without water"),
    gas: gettext("without gas"),
  };
  return lookup(phrases, service, interpolate(gettext("without %(service)s"), { service: serviceName(service) }));
}

/** "Without heating: over 1,100 buildings". */
export const withoutServiceText = (service, figure) =>
  interpolate(gettext("%(without_service)s: %(figure)s"), { without_service: capitalise(withoutService(service)), figure });

/** "over 1,100 buildings": the wording comes from the server (OutageReport.FIGURE_WORDING). */
export function outageText(outage) {
  const wording = lookup(LABELS.figure_wording, outage.count_qualifier, "{count} {unit}");
  return wording.replace("{count}", fmtNumber(outage.count)).replace("{unit}", unitName(outage.unit)).trim();
}

/** What the public view holds, from the settings: "published records only, 12 hours after
 * an attack, locations rounded to about 1 km". A coordinate decimal is a tenth of the one
 * before; 0.01° of latitude is about 1.1 km. */
export function publicViewWords({ delay_hours: hours, coordinate_decimals: decimals }) {
  const delay = hours
    ? interpolate(ngettext("%(count)s hour after an attack", "%(count)s hours after an attack", hours), { count: fmtNumber(hours) })
    : gettext("as soon as they are published");
  const metres = 10 ** (5 - decimals);
  const distance = metres >= 1000
    ? interpolate(gettext("%(count)s km"), { count: fmtNumber(metres / 1000) })
    : interpolate(gettext("%(count)s m"), { count: fmtNumber(metres) });
  return interpolate(gettext("published records only, %(delay)s, locations rounded to about %(distance)s"), { delay, distance });
}
