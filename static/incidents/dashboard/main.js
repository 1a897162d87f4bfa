/* The damage map: layers, filters in the URL, summary figures and the timeline.
 *
 * Everything shown comes from the API for the current viewport and filters, as the public
 * sees it while the public-view toggle is on; the page itself carries only the filter
 * choices (the tracker-config element). This module
 * makes the map when django-leaflet calls window.trackerMapInit, and redraws what the
 * filters and the view change. The page loads it before incidents/leaflet-init.js, so
 * the callback is defined when the map starts.
 */

import { isAbort } from "./api.js";
import { timings } from "./config.js";
import { connectFilters, stateToForm } from "./filters.js";
import { clusterIcon, facilityClusterIcon } from "./icons.js";
import {
  attackChunksDrawn, countAttacksInView, layerCovers, loadAttacks, loadFacilities, loadRegions, onEachRegion,
  styleRegion,
} from "./layers.js";
import { addLegend, updateLegendService } from "./legend.js";
import { connectPublicView } from "./public.js";
import { connectReportLink } from "./report.js";
import { loadSeries } from "./series.js";
import { app, applyState, onStateChange } from "./state.js";
import { loadSummary } from "./summary.js";
import { loadTimeline } from "./timeline.js";
import { readState, readView, rememberView } from "./url.js";
import { layerState, showStatus, view } from "./view.js";
import { gettext } from "../lib/i18n.js";

// Mainland Ukraine and Crimea, so the first view fits any screen.
const UKRAINE = [[44.3, 22.1], [52.4, 40.3]];

/** Run the named loaders; record how long they took from `startedAt` to drawn markers. */
let redrawsInFlight = 0;
async function redraw(kind, loaders, startedAt) {
  const names = Object.keys(loaders);
  const parts = {};
  redrawsInFlight += 1;
  let results;
  try {
    results = await Promise.allSettled(
      names.map(async (name) => {
        await loaders[name]();
        parts[name] = Math.round(performance.now() - startedAt);
      }),
    );
  } finally {
    redrawsInFlight -= 1;
  }
  // A request replaced by a newer one belongs to a redraw still running, which reports
  // for both; when two redraws replaced each other's requests, the last to settle does.
  if (results.some((r) => r.status === "rejected" && isAbort(r.reason)) && redrawsInFlight > 0) return;
  // Whichever redraw completes first makes the map ready.
  if (timings.interactive === null) kind = "initial";
  results.forEach((r, i) => {
    if (r.status === "rejected" && !isAbort(r.reason)) {
      layerState[names[i]] = "error";
      console.error(r.reason);
    }
  });
  showStatus();
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const elapsed = performance.now() - startedAt;
  if (kind === "initial") {
    timings.interactive = performance.now();
    performance.mark("tracker:interactive");
    document.documentElement.dataset.mapReady = "1";
  } else {
    timings.redraws.push({ kind, ms: elapsed, parts });
    performance.mark(`tracker:redraw:${kind}`);
  }
  timings.lastDrawn = performance.now();
  timings.generation = (timings.generation || 0) + 1;
  document.documentElement.dataset.drawn = String(timings.generation);
}

function everyLayer() {
  return { facilities: loadFacilities, regions: loadRegions, attacks: loadAttacks };
}

let ready = false;
function refreshAll(kind) {
  if (!ready) return;
  const startedAt = performance.now();
  loadSummary();
  loadTimeline();
  loadSeries();
  view.regions.setStyle(styleRegion);
  redraw(kind, everyLayer(), startedAt);
}

let moveTimer = null;
// A popup that pans the map to fit itself keeps its marker: reloading the layers for
// that small move would replace the marker and close the popup the user just opened.
let popupPanning = false;
function onMoveEnd() {
  if (popupPanning) {
    popupPanning = false;
    return;
  }
  clearTimeout(moveTimer);
  const startedAt = performance.now();
  // A short pause lets a drag or a zoom animation finish before fetching. A layer whose
  // last answer still covers the view is already drawn: only the count in view changes.
  moveTimer = setTimeout(() => {
    const loaders = {};
    if (!layerCovers("facilities")) loaders.facilities = loadFacilities;
    if (!layerCovers("attacks")) loaders.attacks = loadAttacks;
    else countAttacksInView();
    redraw("pan", loaders, startedAt);
  }, 60);
}

function makeLayers(map) {
  map.createPane("regions").style.zIndex = 350;
  view.regions = L.geoJSON(null, { pane: "regions", style: styleRegion, onEachFeature: onEachRegion });
  view.facilityMarkers = L.layerGroup();
  view.facilityGroups = L.markerClusterGroup({
    chunkedLoading: true,
    showCoverageOnHover: false,
    maxClusterRadius: 40,
    disableClusteringAtZoom: 11,
    spiderfyOnMaxZoom: false,
    iconCreateFunction: facilityClusterIcon,
  });
  view.facilityClusters = L.layerGroup();
  view.facilities = L.layerGroup([view.facilityMarkers, view.facilityGroups, view.facilityClusters]);
  view.attacks = L.markerClusterGroup({
    chunkedLoading: true,
    chunkInterval: 100,
    chunkDelay: 10,
    chunkProgress: attackChunksDrawn,
    showCoverageOnHover: false,
    maxClusterRadius: 50,
    disableClusteringAtZoom: 14,
    spiderfyOnMaxZoom: false,
    iconCreateFunction: clusterIcon,
  });
  view.clusters = L.layerGroup();
  view.attacksGroup = L.layerGroup([view.attacks, view.clusters]);
  view.regions.addTo(map);
  view.attacksGroup.addTo(map);
  view.facilities.addTo(map);
  L.control.layers(null, {
    [gettext("Facilities")]: view.facilities,
    [gettext("Attacks")]: view.attacksGroup,
    [gettext("Regions (outages)")]: view.regions,
  }, { collapsed: window.matchMedia("(max-width: 600px)").matches, position: "topright" }).addTo(map);
  // For people debugging the page and for browser tests.
  window.trackerDashboard = {
    map,
    facilitiesLayer: view.facilityMarkers,
    facilityGroupsLayer: view.facilityGroups,
    facilityClustersLayer: view.facilityClusters,
    attacksLayer: view.attacks,
    attackClustersLayer: view.clusters,
    regionsLayer: view.regions,
  };
}

window.trackerMapInit = function (map) {
  view.map = map;
  makeLayers(map);
  addLegend(map);
  updateLegendService();
  map.on("overlayadd overlayremove", showStatus);
  // Quarter zoom steps let the whole country fill a narrow phone screen.
  map.options.zoomSnap = 0.25;
  const container = map.getContainer();
  const markZoom = () => container.classList.toggle("zoomed-out", map.getZoom() < 6);
  map.on("zoomend", markZoom);
  const start = readView(location.search);
  if (start) map.setView(start.center, start.zoom, { animate: false });
  else map.fitBounds(UKRAINE, { animate: false });
  app.fitToRegion = !start && app.state.region.length > 0;
  markZoom();
  map.on("moveend", () => rememberView(map));
  stateToForm(app.state);
  ready = true;
  const startedAt = performance.now();
  loadSummary();
  loadTimeline();
  loadSeries();
  redraw("initial", everyLayer(), startedAt).then(() => {
    map.on("autopanstart", () => (popupPanning = true));
    map.on("moveend", onMoveEnd);
  });
};

connectFilters();
connectPublicView();
connectReportLink();
onStateChange(() => refreshAll("filter"));
window.addEventListener("popstate", () => {
  const back = view.map && readView(location.search);
  if (back) view.map.setView(back.center, back.zoom, { animate: false });
  applyState(readState(location.search), { push: false });
});
