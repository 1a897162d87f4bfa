/* The three layers' loaders: facilities, attacks (markers or totals per region), regions. */

import { fmtDate, numberFormat } from "../lib/format.js";
import { cancel, getJSON } from "./api.js";
import { API, timings } from "./config.js";
import { attackIcon, countIcon, facilityIcon, outageColour } from "./icons.js";
import { attackPopup, facilityPopup, regionPopup, regionTooltip } from "./popups.js";
import { app } from "./state.js";
import { filterParams } from "./url.js";
import { attacksShown, bboxParam, layerState, showStatus, view } from "./view.js";

export async function loadFacilities() {
  const params = filterParams(app.state);
  params.set("bbox", bboxParam());
  layerState.facilities = "loading";
  showStatus();
  const data = await getJSON("facilities", `${API}map/facilities.geojson?${params}`);
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
    marker.bindPopup(() => facilityPopup(p));
    marker.feature = f;
    return marker;
  });
  view.facilities.clearLayers();
  for (const marker of markers) view.facilities.addLayer(marker);
  timings.counts.facilities = markers.length;
  layerState.facilities = "ready";
}

// Above this many attacks in view the map shows one total per region instead of
// every strike: drawing 100,000 markers helps nobody and takes seconds.
const ATTACK_MARKER_LIMIT = 5000;
let attacksDrawn = null;

/** The cluster group reports its chunks here; it finishes its bookkeeping right after the last. */
export function attackChunksDrawn(processed, total) {
  if (processed >= total && attacksDrawn) setTimeout(attacksDrawn, 0);
}

/** An estimate of the attacks in view: each region's total, in proportion to the
 * share of its bounding box the viewport covers. */
function attacksInView() {
  const bounds = view.map.getBounds();
  const area = (b) => Math.max(0, b.getEast() - b.getWest()) * Math.max(0, b.getNorth() - b.getSouth());
  let total = 0;
  view.regions.eachLayer((layer) => {
    const box = layer.getBounds();
    if (!bounds.intersects(box)) return;
    const overlap = L.latLngBounds(
      [Math.max(box.getSouth(), bounds.getSouth()), Math.max(box.getWest(), bounds.getWest())],
      [Math.min(box.getNorth(), bounds.getNorth()), Math.min(box.getEast(), bounds.getEast())],
    );
    const share = area(box) > 0 ? Math.min(1, area(overlap) / area(box)) : 1;
    total += (layer.feature.properties.attacks || 0) * share;
  });
  timings.estimate = Math.round(total);
  return total;
}

/** A point inside the region near its middle, for its total's bubble. */
function labelPoint(layer) {
  const rings = [];
  const collect = (part) => (Array.isArray(part[0]) ? part.forEach(collect) : rings.push(part));
  collect(layer.getLatLngs());
  const inside = (lat, lng) => {
    let hit = false;
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const a = ring[i], b = ring[j];
        if ((a.lat > lat) !== (b.lat > lat) && lng < ((b.lng - a.lng) * (lat - a.lat)) / (b.lat - a.lat) + a.lng) hit = !hit;
      }
    }
    return hit;
  };
  const bounds = layer.getBounds();
  const centre = bounds.getCenter();
  if (inside(centre.lat, centre.lng)) return centre;
  let best = null;
  const steps = 12;
  for (let i = 1; i < steps; i++) {
    for (let j = 1; j < steps; j++) {
      const lat = bounds.getSouth() + ((bounds.getNorth() - bounds.getSouth()) * i) / steps;
      const lng = bounds.getWest() + ((bounds.getEast() - bounds.getWest()) * j) / steps;
      if (!inside(lat, lng)) continue;
      const distance = (lat - centre.lat) ** 2 + (lng - centre.lng) ** 2;
      if (!best || distance < best.distance) best = { lat, lng, distance };
    }
  }
  return best ? L.latLng(best.lat, best.lng) : centre;
}

function drawRegionTotals() {
  view.attacks.clearLayers();
  view.totals.clearLayers();
  let total = 0;
  view.regions.eachLayer((layer) => {
    const p = layer.feature.properties;
    if (!p.attacks) return;
    total += p.attacks;
    const text = numberFormat.format(p.attacks);
    const bubble = L.marker(labelPoint(layer), {
      icon: countIcon(p.attacks, "attack-cluster region-total", Math.min(64, 30 + text.length * 5)),
      keyboard: true,
      title: `${text} attacks in ${p.name}; zoom in to see each strike`,
    });
    bubble.on("click", () => view.map.fitBounds(layer.getBounds(), { maxZoom: 10 }));
    view.totals.addLayer(bubble);
  });
  return total;
}

function attacksReady(mode, count) {
  attacksShown.mode = mode;
  attacksShown.count = count;
  timings.counts.attacks = count;
  timings.counts.attackMode = mode;
  layerState.attacks = "ready";
}

export async function loadAttacks() {
  layerState.attacks = "loading";
  showStatus();
  if (attacksInView() > ATTACK_MARKER_LIMIT) {
    cancel("attacks");
    attacksReady("regions", drawRegionTotals());
    return;
  }
  const params = filterParams(app.state);
  params.set("bbox", bboxParam());
  const data = await getJSON("attacks", `${API}map/attacks.geojson?${params}`);
  const features = data.features;
  const markers = new Array(features.length);
  for (let i = 0; i < features.length; i++) {
    const f = features[i];
    const p = f.properties;
    const marker = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
      icon: attackIcon(p.weapon_types || [], p.launched || 0),
      keyboard: true,
      title: `Attack on ${fmtDate(p.started_at)}`,
    });
    marker.bindPopup(() => attackPopup(p));
    marker.feature = f;
    markers[i] = marker;
  }
  view.totals.clearLayers();
  view.attacks.clearLayers();
  await new Promise((resolve) => {
    attacksDrawn = resolve;
    view.attacks.addLayers(markers, true);
    // A hidden layer (switched off in the layer control) only stores its markers until
    // it is shown again, and reports no progress: there is nothing to wait for.
    if (!markers.length || !view.map.hasLayer(view.attacks)) resolve();
  });
  attacksReady("markers", markers.length);
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
