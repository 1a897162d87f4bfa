/* The filters and the map view in the page's URL. */

import { LABELS } from "./config.js";

export const MULTI = ["region", "weapon_type", "facility_kind", "verification_status"];
export const SINGLE = ["started_after", "started_before", "service", "interval"];
export const DEFAULT_SERVICE = "heating";

export function readState(search) {
  const params = new URLSearchParams(search);
  const state = {};
  for (const name of SINGLE) state[name] = params.get(name) || "";
  for (const name of MULTI) state[name] = params.getAll(name).filter(Boolean);
  if (!Object.hasOwn(LABELS.service, state.service)) state.service = DEFAULT_SERVICE;
  return state;
}

/** The filters as API parameters; the interval and the service only where asked for. */
export function stateToParams(state, { withInterval = true, withService = true } = {}) {
  const params = new URLSearchParams();
  for (const name of ["started_after", "started_before"]) if (state[name]) params.set(name, state[name]);
  for (const name of MULTI) for (const value of state[name]) params.append(name, value);
  if (withService && state.service && state.service !== DEFAULT_SERVICE) params.set("service", state.service);
  if (withInterval && state.interval) params.set("interval", state.interval);
  return params;
}

/** What every layer, the summary and the timeline filter on. */
export const filterParams = (state) => stateToParams(state, { withInterval: false, withService: false });

export function urlFor(state) {
  const params = stateToParams(state);
  const current = new URLSearchParams(location.search);
  const view = current.get("map");
  if (view) params.set("map", view);
  // A page opened with ?view=public stays in the public view as the filters change.
  if (current.get("view")) params.set("view", current.get("view"));
  const query = params.toString();
  return location.pathname + (query ? "?" + query : "");
}

/** The map view lives in the URL too (?map=zoom/lat/lng), replaced rather than pushed. */
export function readView(search) {
  const match = /^(\d{1,2}(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(new URLSearchParams(search).get("map") || "");
  if (!match) return null;
  const [zoom, lat, lng] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
  return { zoom, center: [lat, lng] };
}

export function rememberView(map) {
  const params = new URLSearchParams(location.search);
  const center = map.getCenter();
  params.set("map", `${map.getZoom()}/${center.lat.toFixed(4)}/${center.lng.toFixed(4)}`);
  history.replaceState(history.state, "", `${location.pathname}?${params}`);
}
