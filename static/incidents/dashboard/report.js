/* "Report for this period": the link follows the filters (dates, regions) and the audience. */

import { app, onStateChange } from "./state.js";

/** The report page's address for the dashboard's state: its from, to, region and view. */
export function reportAddress(base, state) {
  const params = new URLSearchParams();
  if (state.started_after) params.set("from", state.started_after);
  if (state.started_before) params.set("to", state.started_before);
  for (const code of state.region) params.append("region", code);
  if (state.view === "public") params.set("view", "public");
  const query = params.toString();
  return base + (query ? "?" + query : "");
}

export function connectReportLink() {
  const link = document.getElementById("report-link");
  if (!link) return;
  const update = (state) => {
    link.href = reportAddress(link.dataset.base, state);
  };
  update(app.state);
  onStateChange(update);
}
