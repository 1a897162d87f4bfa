/* The three layers' loaders: facilities and attacks (features, or the API's clusters), regions. */

import { fmtDate, numberFormat } from "../lib/format.js";
import { getJSON } from "./api.js";
import { API, timings } from "./config.js";
import { attackIcon, facilityIcon, mapClusterIcon, outageColour, weaponColour } from "./icons.js";
import { attackPopup, facilityPopup, regionPopup, regionTooltip } from "./popups.js";
import { app } from "./state.js";
import { filterParams } from "./url.js";
import { attacksShown, bboxParam, fetchBounds, layerState, showStatus, view } from "./view.js";
import { gettext, interpolate, ngettext } from "../lib/i18n.js";

// Up to this many facilities in view are drawn one by one; more are grouped by the map.
const FACILITY_GROUP_ABOVE = 500;
// A facility's popup is at most the map's height less this (the zoom buttons above it, its
// tip and the marker below it), but never less than POPUP_MIN_HEIGHT pixels.
const POPUP_TOP_CLEARANCE = 80;
const POPUP_ROOM = POPUP_TOP_CLEARANCE + 80;
const POPUP_MIN_HEIGHT = 160;
// The zoom a click on a cluster goes to at most: a cluster of one spot opens there.
const CLUSTER_MAX_ZOOM = 16;

// A layer's last answer stays current while its area covers the viewport, at the same
// zoom and filters, for this long: after that a pan asks again, for what changed meanwhile.
const FETCH_MAX_AGE_MS = 60_000;
// What each layer drew last: the filters and zoom asked for, the area and when.
const fetched = { facilities: null, attacks: null };

const layerZoom = () => Math.max(0, Math.min(22, Math.floor(view.map.getZoom())));
const fetchKey = () => `${filterParams(app.state)}|${app.state.view}|${layerZoom()}`;

/** A layer's request: the filters, the area around the viewport and the map's zoom. With
 * the zoom, the API answers with clusters when the area holds more than MAP_CLUSTER_ABOVE.
 * The area is what `name` covers once its answer is drawn. */
function layerRequest(name) {
  fetched[name] = null;
  const params = filterParams(app.state);
  const bounds = fetchBounds();
  params.set("bbox", bboxParam(bounds));
  params.set("zoom", String(layerZoom()));
  return { params, area: { key: fetchKey(), bounds, at: performance.now() } };
}

/** Whether what layer `name` drew last still holds everything in view. */
export function layerCovers(name) {
  const area = fetched[name];
  return (
    Boolean(area) &&
    area.key === fetchKey() &&
    performance.now() - area.at < FETCH_MAX_AGE_MS &&
    area.bounds.contains(view.map.getBounds())
  );
}

/** Zoom the map to a cluster's members, and at least one level in. */
function zoomToCluster(bounds) {
  const [west, south, east, north] = bounds;
  const box = L.latLngBounds([south, west], [north, east]);
  const fit = view.map.getBoundsZoom(box, false, L.point(48, 48));
  const zoom = Math.min(CLUSTER_MAX_ZOOM, Math.max(fit, Math.floor(view.map.getZoom()) + 1));
  view.map.setView(box.getCenter(), Math.max(zoom, view.map.getZoom() + 1));
}

/** One of the API's clusters: a circle sized by its count, which zooms in on a click.
 * `describe` words it for the title and for screen readers. */
function clusterMarker(feature, className, colour, describe) {
  const [lng, lat] = feature.geometry.coordinates;
  const p = feature.properties;
  const label = describe(p);
  const marker = L.marker([lat, lng], {
    icon: mapClusterIcon(p.count, className, colour),
    title: label,
    keyboard: true,
    riseOnHover: true,
  });
  marker.on("add", () => {
    const element = marker.getElement();
    element.setAttribute("role", "button");
    element.setAttribute("aria-label", label);
  });
  marker.on("click", () => zoomToCluster(p.bounds));
  // Leaflet turns Enter on a marker into a popup only; a cluster opens as a button does.
  marker.on("keypress", (event) => {
    if (event.originalEvent.key === "Enter" || event.originalEvent.key === " ") zoomToCluster(p.bounds);
  });
  marker.feature = feature;
  return marker;
}

function clusterWords(count, mostly, many) {
  const words = interpolate(many, { count: numberFormat.format(count) });
  const kind = mostly ? interpolate(gettext(", mostly %(kind)s"), { kind: mostly.toLowerCase() }) : "";
  return words + kind + gettext("; click to zoom in");
}

function attackCluster(feature) {
  return clusterMarker(feature, "map-cluster attack-map-cluster", weaponColour(feature.properties.weapon_type), (p) =>
    clusterWords(p.count, p.weapon_type_label, ngettext("%(count)s attack", "%(count)s attacks", p.count)));
}

function facilityCluster(feature) {
  return clusterMarker(feature, "map-cluster facility-map-cluster", "#1f4e79", (p) =>
    clusterWords(p.count, p.kind_label, ngettext("%(count)s facility", "%(count)s facilities", p.count)));
}

export async function loadFacilities() {
  layerState.facilities = "loading";
  showStatus();
  const request = layerRequest("facilities");
  const data = await getJSON("facilities", `${API}map/facilities.geojson?${request.params}`);
  if (data.clustered) {
    const clusters = data.features.map(facilityCluster);
    view.facilityMarkers.clearLayers();
    view.facilityGroups.clearLayers();
    view.facilityClusters.clearLayers();
    for (const cluster of clusters) view.facilityClusters.addLayer(cluster);
    timings.counts.facilities = clusters.reduce((sum, c) => sum + c.feature.properties.count, 0);
    timings.counts.facilityMode = "clusters";
    layerState.facilities = "ready";
    fetched.facilities = request.area;
    return;
  }
  const markers = data.features.map((f) => {
    const [lng, lat] = f.geometry.coordinates;
    const p = f.properties;
    const marker = L.marker([lat, lng], {
      icon: facilityIcon(p.kind, p.status),
      title: p.name,
      alt: `${p.name} (${p.status_label || p.status})`,
      keyboard: true,
      riseOnHover: true,
      // Facilities stay above attack markers that share their spot.
      zIndexOffset: 500,
    });
    // The popup's list of attacks arrives after it opens, and the popup then fits itself
    // to it. Leaflet asks for the content again on every update, so it is made once per
    // opening (and asked for afresh the next time).
    let content = null;
    marker.bindPopup(() => content || (content = facilityPopup(p, () => marker.getPopup()?.update())), {
      // A long list scrolls inside the popup instead of running off a phone's map.
      maxHeight: Math.max(POPUP_MIN_HEIGHT, view.map.getSize().y - POPUP_ROOM),
      // Its top stays clear of the zoom buttons, which sit above every popup.
      autoPanPaddingTopLeft: L.point(10, POPUP_TOP_CLEARANCE),
    });
    marker.on("popupclose", () => { content = null; });
    marker.feature = f;
    return marker;
  });
  view.facilityClusters.clearLayers();
  view.facilityMarkers.clearLayers();
  view.facilityGroups.clearLayers();
  // Thousands of facilities at country zoom would cover the map: past a few hundred the
  // map groups those close together, and a click on a group opens it.
  if (markers.length > FACILITY_GROUP_ABOVE) view.facilityGroups.addLayers(markers);
  else for (const marker of markers) view.facilityMarkers.addLayer(marker);
  timings.counts.facilities = markers.length;
  timings.counts.facilityMode = "markers";
  layerState.facilities = "ready";
  fetched.facilities = request.area;
}

let attacksDrawn = null;

/** The cluster group reports its chunks here; it finishes its bookkeeping right after the last. */
export function attackChunksDrawn(processed, total) {
  if (processed >= total && attacksDrawn) setTimeout(attacksDrawn, 0);
}

// The attacks drawn, as [lat, lng, count]: a marker counts 1, a cluster its members.
let attackPoints = [];

/** Count the attacks drawn inside the viewport (the layer holds an area around it). */
export function countAttacksInView() {
  const bounds = view.map.getBounds();
  let count = 0;
  for (const [lat, lng, members] of attackPoints) if (bounds.contains([lat, lng])) count += members;
  attacksShown.count = count;
  timings.counts.attacks = count;
}

function attacksReady(mode, points, area) {
  attackPoints = points;
  attacksShown.mode = mode;
  timings.counts.attackMode = mode;
  timings.counts.attackClusters = mode === "clusters" ? points.length : 0;
  countAttacksInView();
  layerState.attacks = "ready";
  fetched.attacks = area;
}

export async function loadAttacks() {
  layerState.attacks = "loading";
  showStatus();
  const request = layerRequest("attacks");
  const data = await getJSON("attacks", `${API}map/attacks.geojson?${request.params}`);
  const features = data.features;
  const points = features.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0], data.clustered ? f.properties.count : 1]);
  if (data.clustered) {
    // More attacks around the viewport than the API draws one by one: its clusters,
    // counted in the database.
    const clusters = features.map(attackCluster);
    view.attacks.clearLayers();
    view.clusters.clearLayers();
    for (const cluster of clusters) view.clusters.addLayer(cluster);
    attacksReady("clusters", points, request.area);
    return;
  }
  const markers = new Array(features.length);
  for (let i = 0; i < features.length; i++) {
    const f = features[i];
    const p = f.properties;
    const marker = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
      icon: attackIcon(p.weapon_types || [], p.launched || 0),
      keyboard: true,
      title: interpolate(gettext("Attack on %(date)s"), { date: fmtDate(p.started_at) }),
    });
    marker.bindPopup(() => attackPopup(p));
    marker.feature = f;
    markers[i] = marker;
  }
  view.clusters.clearLayers();
  view.attacks.clearLayers();
  await new Promise((resolve) => {
    attacksDrawn = resolve;
    view.attacks.addLayers(markers, true);
    // A hidden layer (switched off in the layer control) only stores its markers until
    // it is shown again, and reports no progress: there is nothing to wait for.
    if (!markers.length || !view.map.hasLayer(view.attacks)) resolve();
  });
  attacksReady("markers", points, request.area);
}

export async function loadRegions() {
  // Without a service filter the layer carries every service's outages, and its
  // attack counts are not narrowed to attacks that caused an outage.
  const params = filterParams(app.state);
  layerState.regions = "loading";
  showStatus();
  const data = await getJSON("regions", `${API}map/regions.geojson?${params}`);
  view.regions.clearLayers();
  view.regions.addData(data);
  // A newly chosen region comes into view; panning afterwards is the user's business.
  if (app.fitToRegion && app.state.region.length && view.regions.getLayers().length) {
    view.map.fitBounds(view.regions.getBounds(), { maxZoom: 10, padding: [24, 24], animate: false });
  }
  app.fitToRegion = false;
  timings.counts.regions = data.features.length;
  layerState.regions = "ready";
}

function regionFigure(p) {
  const outages = (p.outages || []).filter((o) => o.service === app.state.service);
  return outages.reduce((max, o) => Math.max(max, o.count || 0), 0);
}

export function styleRegion(feature) {
  const chosen = app.state.region.includes(feature.properties.code);
  return {
    color: chosen ? "#111" : "#555",
    weight: chosen ? 2.5 : 1,
    fillColor: outageColour(regionFigure(feature.properties)),
    fillOpacity: 0.55,
  };
}

export function onEachRegion(feature, layer) {
  layer.bindTooltip(() => regionTooltip(feature.properties), { sticky: true, className: "region-tooltip" });
  layer.on("click", (event) => {
    L.popup().setLatLng(event.latlng).setContent(regionPopup(feature.properties)).openOn(view.map);
  });
}
