/* The Leaflet map and its layers, once made (map.js), and the status line above the map. */

import { numberFormat } from "../lib/format.js";
import { gettext, interpolate, ngettext } from "../lib/i18n.js";

export const view = {
  map: null,
  facilities: null,
  // The facilities: their markers (grouped by the map when many) or the API's clusters.
  facilityMarkers: null,
  facilityGroups: null,
  facilityClusters: null,
  // The attacks: markers (grouped when close) or the API's clusters, switched on and off together.
  attacks: null,
  clusters: null,
  attacksGroup: null,
  regions: null,
};

export const layerState = { facilities: "idle", attacks: "idle", regions: "idle" };
// How the attacks layer shows what is in view: "markers" or "clusters" (the API's).
export const attacksShown = { count: null, mode: "markers" };

const statusBox = document.getElementById("map-status");

/** A layer's name in the status line. */
export function layerName(name) {
  const names = { facilities: gettext("facilities"), attacks: gettext("attacks"), regions: gettext("regions") };
  return Object.hasOwn(names, name) ? names[name] : name;
}

export function showStatus() {
  const loading = Object.values(layerState).some((s) => s === "loading");
  const failed = Object.entries(layerState).filter(([, s]) => s === "error").map(([name]) => name);
  const attacksOn = view.map && view.attacksGroup && view.map.hasLayer(view.attacksGroup);
  let text = "";
  if (loading) text = gettext("Loading…");
  else if (failed.length) {
    text = interpolate(gettext("Could not load %(layers)s. Try again or change the filters."), { layers: failed.map(layerName).join(", ") });
  }
  else if (attacksShown.count === 0 && attacksOn) text = gettext("No attacks match these filters in this part of the map.");
  else if (attacksShown.mode === "clusters" && attacksOn) {
    text = interpolate(
      ngettext(
        "%(count)s attack in view, grouped. Click a group or zoom in to see each strike.",
        "%(count)s attacks in view, grouped. Click a group or zoom in to see each strike.",
        attacksShown.count,
      ),
      { count: numberFormat.format(attacksShown.count) },
    );
  }
  statusBox.textContent = text;
  statusBox.hidden = !text;
  statusBox.classList.toggle("is-loading", loading);
  statusBox.classList.toggle("is-error", !loading && failed.length > 0);
}

// The layers ask for more than the viewport: this share of its width and height more on
// every side, widened to the map's tile edges. A pan that stays inside needs no request,
// and viewers of the same part of the map ask for the same box (one cached answer).
const FETCH_MARGIN = 0.35;
const TILE = 256;

/** The area the layers ask for at the map's current (whole) zoom. */
export function fetchBounds() {
  const map = view.map;
  const zoom = Math.floor(map.getZoom());
  const padded = map.getBounds().pad(FETCH_MARGIN);
  const northWest = map.project(padded.getNorthWest(), zoom).divideBy(TILE).floor().multiplyBy(TILE);
  const southEast = map.project(padded.getSouthEast(), zoom).divideBy(TILE).ceil().multiplyBy(TILE);
  return L.latLngBounds(map.unproject(southEast, zoom), map.unproject(northWest, zoom));
}

/** Bounds as the API's bbox parameter. */
export function bboxParam(bounds) {
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  return [
    clamp(bounds.getWest(), -180, 180), clamp(bounds.getSouth(), -90, 90),
    clamp(bounds.getEast(), -180, 180), clamp(bounds.getNorth(), -90, 90),
  ].map((v) => v.toFixed(4)).join(",");
}
