/* How the page words the API's values: units, services, outage figures. */

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
