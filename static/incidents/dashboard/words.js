/* How the page words the API's values (units, services, outage figures) and the public view. */

import { lookup } from "../lib/dom.js";
import { fmtNumber } from "../lib/format.js";
import { LABELS } from "./config.js";

export const unitName = (unit) => String(lookup(LABELS.unit, unit, unit || "")).toLowerCase();
export const serviceName = (service) => String(lookup(LABELS.service, service, service)).toLowerCase();

/** "over 1,100 buildings": the wording comes from the server (OutageReport.FIGURE_WORDING). */
export function outageText(outage) {
  const wording = lookup(LABELS.figure_wording, outage.count_qualifier, "{count} {unit}");
  return wording.replace("{count}", fmtNumber(outage.count)).replace("{unit}", unitName(outage.unit)).trim();
}

/** What the public view holds, from the settings: "published records only, 12 hours after
 * an attack, locations rounded to about 1 km". A coordinate decimal is a tenth of the one
 * before; 0.01° of latitude is about 1.1 km. */
export function publicViewWords({ delay_hours: hours, coordinate_decimals: decimals }) {
  const delay = hours ? `${fmtNumber(hours)} hour${hours === 1 ? "" : "s"} after an attack` : "as soon as they are published";
  const metres = 10 ** (5 - decimals);
  const distance = metres >= 1000 ? `${fmtNumber(metres / 1000)} km` : `${fmtNumber(metres)} m`;
  return `published records only, ${delay}, locations rounded to about ${distance}`;
}
