/* The filter form: it shows the current filters and changes them. */

import { applyState, app, onStateChange } from "./state.js";
import { DEFAULT_SERVICE, MULTI, SINGLE, readState } from "./url.js";
import { fmtNumber } from "../lib/format.js";
import { gettext, interpolate, ngettext } from "../lib/i18n.js";

export const form = document.getElementById("filters");
const box = document.getElementById("filters-box");
// Below this width the filters sit above the map (dashboard.css), folded so the map
// starts on the first screen; a tap on "Filters" unfolds them.
const NARROW = window.matchMedia("(max-width: 900px)");
// The words of the folded filters' count, in one place.
const ACTIVE_WORDS = {
  none: () => gettext("(none chosen)"),
  some: (n) => interpolate(ngettext("(%(count)s chosen)", "(%(count)s chosen)", n), { count: fmtNumber(n) }),
};

/** How many filters narrow the map: the dates (as one), the region, each list with a choice. */
function activeFilters(state) {
  return [
    state.started_after || state.started_before,
    state.region.length,
    ...MULTI.filter((name) => name !== "region").map((name) => (state[name] || []).length),
  ].filter(Boolean).length;
}

function formToState() {
  const data = new FormData(form);
  const state = {};
  for (const name of SINGLE) state[name] = (data.get(name) || "").toString();
  for (const name of MULTI) state[name] = data.getAll(name).map(String).filter(Boolean);
  if (!state.service) state.service = DEFAULT_SERVICE;
  // The public-view toggle sits outside the form; a filter change keeps it.
  state.view = app.state.view;
  return state;
}

export function stateToForm(state) {
  for (const name of SINGLE) form.elements.namedItem(name).value = state[name];
  form.elements.namedItem("region").value = state.region[0] || "";
  for (const box of form.querySelectorAll("input[type=checkbox]")) {
    box.checked = (state[box.name] || []).includes(box.value);
  }
  updateChosenCounts();
  const active = activeFilters(state);
  document.getElementById("filters-active").textContent = active ? ACTIVE_WORDS.some(active) : ACTIVE_WORDS.none();
  document.getElementById("clear-period").hidden = !(state.started_after || state.started_before);
}

function updateChosenCounts() {
  for (const details of form.querySelectorAll("details.checks")) {
    const chosen = details.querySelectorAll("input:checked").length;
    const summary = details.querySelector(".chosen");
    summary.textContent = `(${chosen || summary.dataset.any})`;
  }
}

/** The chosen region's name as the form lists it. */
export function regionName(code) {
  const option = [...form.elements.namedItem("region").options].find((o) => o.value === code);
  return option ? option.textContent : "";
}

export function connectFilters() {
  if (NARROW.matches) box.open = false;
  onStateChange(stateToForm);
  form.addEventListener("change", (event) => {
    if (event.target.type === "checkbox") updateChosenCounts();
    applyState(formToState());
  });
  // The interval picker sits beside the chart, outside the form element.
  document.getElementById("f-interval").addEventListener("change", () => applyState(formToState()));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    applyState(formToState());
  });
  document.getElementById("f-reset").addEventListener("click", (event) => {
    event.preventDefault();
    applyState({ ...readState(""), view: app.state.view });
  });
  document.getElementById("clear-period").addEventListener("click", () => {
    applyState({ ...app.state, started_after: "", started_before: "" });
  });
}
