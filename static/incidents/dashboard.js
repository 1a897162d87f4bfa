/* The damage map: layers, filters in the URL, summary figures and the timeline.
 *
 * Everything shown comes from the API for the current viewport and filters; the
 * page itself carries only the filter choices. window.trackerTimings records how
 * long the first draw and each redraw took (performance.now(), milliseconds from
 * navigation start), so tests can measure the page with the browser's own clock.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("tracker-config").textContent);
  const API = config.api;
  const LABELS = config.labels;
  const TZ = "Europe/Kyiv";

  const numberFormat = new Intl.NumberFormat("en-GB");
  const percentFormat = new Intl.NumberFormat("en-GB", { style: "percent", maximumFractionDigits: 0 });
  const dateTimeFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: TZ, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
  });
  const dateFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: TZ, day: "numeric", month: "short", year: "numeric",
  });
  const shortDateFormat = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "short" });

  const fmtNumber = (n) => (n === null || n === undefined ? "–" : numberFormat.format(n));
  const fmtDateTime = (iso) => (iso ? dateTimeFormat.format(new Date(iso)) : "–");
  const fmtDate = (iso) => (iso ? dateFormat.format(new Date(iso)) : "–");

  const timings = (window.trackerTimings = { interactive: null, redraws: [], counts: {} });

  // ------------------------------------------------------------------ filters in the URL

  const MULTI = ["region", "weapon_type", "facility_kind", "verification_status"];
  const SINGLE = ["started_after", "started_before", "service", "interval"];
  const DEFAULT_SERVICE = "heating";
  const form = document.getElementById("filters");

  function readState(search) {
    const params = new URLSearchParams(search);
    const state = {};
    for (const name of SINGLE) state[name] = params.get(name) || "";
    for (const name of MULTI) state[name] = params.getAll(name).filter(Boolean);
    if (!Object.hasOwn(LABELS.service, state.service)) state.service = DEFAULT_SERVICE;
    return state;
  }

  function stateToParams(state, { withInterval = true, withService = true } = {}) {
    const params = new URLSearchParams();
    for (const name of ["started_after", "started_before"]) if (state[name]) params.set(name, state[name]);
    for (const name of MULTI) for (const value of state[name]) params.append(name, value);
    if (withService && state.service && state.service !== DEFAULT_SERVICE) params.set("service", state.service);
    if (withInterval && state.interval) params.set("interval", state.interval);
    return params;
  }

  function urlFor(state) {
    const params = stateToParams(state);
    const view = new URLSearchParams(location.search).get("map");
    if (view) params.set("map", view);
    const query = params.toString();
    return location.pathname + (query ? "?" + query : "");
  }

  function formToState() {
    const data = new FormData(form);
    const state = {};
    for (const name of SINGLE) state[name] = (data.get(name) || "").toString();
    for (const name of MULTI) state[name] = data.getAll(name).map(String).filter(Boolean);
    if (!state.service) state.service = DEFAULT_SERVICE;
    return state;
  }

  function stateToForm(state) {
    for (const name of SINGLE) form.elements.namedItem(name).value = state[name];
    form.elements.namedItem("region").value = state.region[0] || "";
    for (const box of form.querySelectorAll("input[type=checkbox]")) {
      box.checked = (state[box.name] || []).includes(box.value);
    }
    updateChosenCounts();
    document.getElementById("clear-period").hidden = !(state.started_after || state.started_before);
  }

  function updateChosenCounts() {
    for (const details of form.querySelectorAll("details.checks")) {
      const chosen = details.querySelectorAll("input:checked").length;
      details.querySelector(".chosen").textContent = chosen ? `(${chosen})` : "(any)";
    }
  }

  let state = readState(location.search);

  let fitToRegion = false;

  function applyState(next, { push = true } = {}) {
    fitToRegion = next.region.join() !== state.region.join() && next.region.length > 0;
    state = next;
    if (push) {
      const url = urlFor(state);
      if (url !== location.pathname + location.search) history.pushState(null, "", url);
    }
    stateToForm(state);
    refreshAll("filter");
  }

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
    applyState(readState(""));
  });
  document.getElementById("clear-period").addEventListener("click", () => {
    applyState({ ...state, started_after: "", started_before: "" });
  });
  window.addEventListener("popstate", () => {
    const view = map && readView(location.search);
    if (view) map.setView(view.center, view.zoom, { animate: false });
    applyState(readState(location.search), { push: false });
  });

  // ------------------------------------------------------------------ fetching

  const controllers = {};

  /** Fetch JSON; a newer request for the same key cancels the older one. */
  async function getJSON(key, url) {
    if (controllers[key]) controllers[key].abort();
    const controller = (controllers[key] = new AbortController());
    timings.pending = (timings.pending || 0) + 1;
    let response;
    try {
      response = await fetch(url, {
        signal: controller.signal,
        headers: { Accept: "application/json, application/geo+json" },
        credentials: "same-origin",
      });
    } finally {
      timings.pending -= 1;
    }
    if (!response.ok) {
      let detail = "";
      try {
        detail = Object.entries(await response.json())
          .map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`)
          .join("; ");
      } catch (ignored) {
        detail = response.statusText;
      }
      throw new Error(detail || `HTTP ${response.status}`);
    }
    return response.json();
  }

  const isAbort = (error) => error && error.name === "AbortError";

  // ------------------------------------------------------------------ map styling

  const STATUS_COLOURS = {
    operational: "#2e7d32",
    damaged: "#ef6c00",
    destroyed: "#b71c1c",
    under_repair: "#f9a825",
    restored: "#1565c0",
  };
  const WEAPON_COLOURS = {
    ballistic_missile: "#b71c1c",
    cruise_missile: "#e65100",
    hypersonic_missile: "#6a1b9a",
    guided_bomb: "#4e342e",
    attack_drone: "#f9a825",
    artillery: "#546e7a",
    unknown: "#9e9e9e",
  };
  // Small glyphs drawn in a 16×16 box, one per facility kind.
  const KIND_GLYPHS = {
    chp: '<path d="M3 14V7l3 2V7l3 2V4h2v3h2v7z"/><path d="M12 2h2v3h-2z"/>',
    thermal: '<path d="M2 14V8l4 2V8l4 2V3h3v11z"/>',
    heating: '<path d="M8 1c1 3 4 4 4 8a4 4 0 0 1-8 0c0-2 1-3 2-4 0 2 1 3 2 3 0-3-1-4 0-7z"/>',
    hydro: '<path d="M8 1 4 8a4 4 0 1 0 8 0z"/>',
    nuclear: '<circle cx="8" cy="8" r="2"/><path d="M8 1a7 7 0 0 1 6 3.5L10 7A2.5 2.5 0 0 0 8 5.5zM2 4.5A7 7 0 0 1 8 1v4.5A2.5 2.5 0 0 0 6 7zM4.5 14 7 10a2.5 2.5 0 0 0 2 0l2.5 4a7 7 0 0 1-7 0z"/>',
    solar: '<circle cx="8" cy="8" r="3"/><path d="M7 0h2v3H7zM7 13h2v3H7zM0 7h3v2H0zM13 7h3v2h-3z"/>',
    wind: '<path d="M7 7h2v8H7z"/><path d="M8 8 7 1h2zM8 8l6 3-1 1.5zM8 8l-6 3 1 1.5z"/>',
    substation: '<path d="M9 1 3 9h4l-1 6 6-8H8z"/>',
    transmission: '<path d="M7 1h2l4 14h-2l-1-4H6l-1 4H3zM6.5 9h3L8 4z"/>',
    gas: '<path d="M8 1c2 3 5 5 5 9a5 5 0 0 1-10 0c0-4 3-6 5-9z"/>',
    water: '<path d="M2 6h12v2H2zM2 10h12v2H2zM5 3h6v2H5z"/>',
    other: '<circle cx="8" cy="8" r="4"/>',
  };

  /** table[key] for the table's own keys only: a value from the API never reaches Object's prototype. */
  const lookup = (table, key, fallback) => (Object.hasOwn(table, key) ? table[key] : fallback);

  /** A fixed glyph's markup: nothing from the data goes into it, the kind only picks one. */
  function glyph(kind, size = 16) {
    const body = lookup(KIND_GLYPHS, kind, KIND_GLYPHS.other);
    return `<svg viewBox="0 0 16 16" width="${size}" height="${size}" aria-hidden="true" focusable="false" fill="currentColor">${body}</svg>`;
  }

  const facilityIcons = new Map();
  function facilityIcon(kind, status) {
    const key = kind + "|" + status;
    if (!facilityIcons.has(key)) {
      facilityIcons.set(key, L.divIcon({
        className: "facility-icon",
        html: `<span class="facility-pin" style="--c:${lookup(STATUS_COLOURS, status, "#555")}">${glyph(kind)}</span>`,
        iconSize: [26, 26],
        iconAnchor: [13, 13],
        popupAnchor: [0, -12],
      }));
    }
    return facilityIcons.get(key);
  }

  /** The attack marker: a disc whose ring shows the weapon mix, sized by weapons launched. */
  const attackIcons = new Map();
  function attackIcon(weaponTypes, launched) {
    const size = launched >= 50 ? 26 : launched >= 10 ? 20 : 15;
    const types = weaponTypes.length ? weaponTypes : ["unknown"];
    const key = types.join(",") + "|" + size;
    if (!attackIcons.has(key)) {
      const step = 100 / types.length;
      const stops = types
        .map((t, i) => `${lookup(WEAPON_COLOURS, t, WEAPON_COLOURS.unknown)} ${i * step}% ${(i + 1) * step}%`)
        .join(",");
      attackIcons.set(key, L.divIcon({
        className: "attack-icon",
        html: `<span class="attack-dot" style="width:${size}px;height:${size}px;background:conic-gradient(${stops})"></span>`,
        iconSize: [size, size],
        iconAnchor: [size / 2, size / 2],
        popupAnchor: [0, -size / 2],
      }));
    }
    return attackIcons.get(key);
  }

  function clusterIcon(cluster) {
    const count = cluster.getChildCount();
    const size = count >= 1000 ? 48 : count >= 100 ? 40 : count >= 10 ? 34 : 28;
    return L.divIcon({
      className: "attack-cluster",
      html: `<span style="width:${size}px;height:${size}px;line-height:${size}px">${numberFormat.format(count)}</span>`,
      iconSize: [size, size],
    });
  }

  // Outage classes for the choropleth (the figure of the chosen service).
  const OUTAGE_BINS = [
    { min: 100000, colour: "#67000d" },
    { min: 10000, colour: "#a50f15" },
    { min: 1000, colour: "#ef3b2c" },
    { min: 100, colour: "#fc9272" },
    { min: 1, colour: "#fee0d2" },
  ];
  const outageColour = (count) => {
    if (!count) return "#f7f7f7";
    return (OUTAGE_BINS.find((bin) => count >= bin.min) || OUTAGE_BINS[OUTAGE_BINS.length - 1]).colour;
  };

  /**
   * A DOM element. Strings among the children become text nodes, never markup: names,
   * summaries and localities are what analysts typed or imports brought. Attributes are
   * set one by one; `style` is an object of CSS properties.
   */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "style") for (const [property, v] of Object.entries(value)) node.style.setProperty(property, v);
      else node.setAttribute(name, value);
    }
    node.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== ""));
    return node;
  }

  /** Links in popups come from the API: only paths on this site are followed. */
  const sitePath = (url) => (typeof url === "string" && /^\/(?![/\\])/.test(url) ? url : "#");

  /** "over 1,100 buildings": the wording comes from the server (OutageReport.FIGURE_WORDING). */
  function outageText(outage) {
    const wording = lookup(LABELS.figure_wording, outage.count_qualifier, "{count} {unit}");
    const unit = String(lookup(LABELS.unit, outage.unit, outage.unit || "")).toLowerCase();
    return wording.replace("{count}", fmtNumber(outage.count)).replace("{unit}", unit).trim();
  }

  // ------------------------------------------------------------------ the map

  let map = null;
  let facilitiesLayer = null;
  let attacksLayer = null;
  let totalsLayer = null;
  let attacksGroupRef = () => attacksLayer;
  let regionsLayer = null;
  const statusBox = document.getElementById("map-status");

  const layerState = { facilities: "idle", attacks: "idle", regions: "idle" };
  let attackCount = null;

  function showStatus() {
    const loading = Object.values(layerState).some((s) => s === "loading");
    const failed = Object.entries(layerState).filter(([, s]) => s === "error").map(([name]) => name);
    let text = "";
    if (loading) text = "Loading…";
    else if (failed.length) text = `Could not load ${failed.join(", ")}. Try again or change the filters.`;
    else if (attackCount === 0 && map && map.hasLayer(attacksGroupRef())) text = "No attacks match these filters in this part of the map.";
    else if (attackMode === "regions" && map && map.hasLayer(attacksGroupRef())) text = `Attack totals per region (${numberFormat.format(attackCount)} attacks). Zoom in to see each strike.`;
    statusBox.textContent = text;
    statusBox.hidden = !text;
    statusBox.classList.toggle("is-loading", loading);
    statusBox.classList.toggle("is-error", !loading && failed.length > 0);
  }

  function bboxParam() {
    const bounds = map.getBounds().pad(0.1);
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    return [
      clamp(bounds.getWest(), -180, 180), clamp(bounds.getSouth(), -90, 90),
      clamp(bounds.getEast(), -180, 180), clamp(bounds.getNorth(), -90, 90),
    ].map((v) => v.toFixed(4)).join(",");
  }

  // Popups and tooltips are built from DOM nodes: Leaflet would parse a string as HTML.

  function facilityPopup(p) {
    const kind = p.kind_label || lookup(LABELS.kind, p.kind, p.kind);
    const status = p.status_label || lookup(LABELS.status, p.status, p.status);
    const severity = p.last_severity ? ` (${p.last_severity})` : "";
    return el("div", { class: "popup" },
      el("strong", {}, p.name), el("br"), kind, el("br"),
      el("span", { class: "status-badge", style: { "--c": lookup(STATUS_COLOURS, p.status, "#555") } }, status),
      p.locality ? [el("br"), p.locality] : null,
      p.last_attack_at ? [el("br"), `Last hit ${fmtDateTime(p.last_attack_at)}${severity}`] : null,
      el("br"), el("a", { href: sitePath(p.url) }, "Facility details"));
  }

  function attackPopup(p) {
    const weapons = (p.weapon_types || []).map((t) => lookup(LABELS.weapon_type, t, t)).join(", ") || "unknown";
    const launched = p.launched === null || p.launched === undefined ? "unknown" : fmtNumber(p.launched);
    const intercepted = p.intercepted === null || p.intercepted === undefined ? "unknown" : fmtNumber(p.intercepted);
    const names = (p.facility_names || []).join(", ");
    const more = p.facilities_hit > (p.facility_names || []).length ? ` and ${fmtNumber(p.facilities_hit - p.facility_names.length)} more` : "";
    return el("div", { class: "popup" },
      el("strong", {}, fmtDateTime(p.started_at)), " ", el("span", { class: "muted" }, "Kyiv time"),
      el("br"), p.summary,
      el("br"), `Weapons: ${weapons}`,
      el("br"), `Launched ${launched}, intercepted ${intercepted}`,
      el("br"), `Facilities hit: ${fmtNumber(p.facilities_hit || 0)}${names ? ` (${names}${more})` : ""}`,
      el("br"), lookup(LABELS.verification_status, p.verification_status, p.verification_status || ""),
      el("br"), el("a", { href: sitePath(p.url) }, "Attack details"));
  }

  function regionTooltip(p) {
    const outages = (p.outages || []).filter((o) => o.service === state.service);
    const service = String(lookup(LABELS.service, state.service, state.service)).toLowerCase();
    const lines = outages.length
      ? outages.map((o, i) => [
        i ? el("br") : null,
        `Without ${service}: ${outageText(o)}`, el("br"),
        el("span", { class: "muted" }, `as of ${fmtDateTime(o.as_of)}`),
      ])
      : [`No ${service} outage reported`];
    const attacks = p.attacks !== undefined
      ? [el("br"), `${fmtNumber(p.attacks)} attack${p.attacks === 1 ? "" : "s"} in the period`]
      : null;
    return el("div", {}, el("strong", {}, p.name), el("br"), ...lines.flat(), attacks);
  }

  function regionPopup(p) {
    const only = el("button", { type: "button", class: "link-button" }, "Show only this region");
    // Leaflet keeps clicks inside a popup from reaching the document, so the button listens itself.
    only.addEventListener("click", () => {
      map.closePopup();
      applyState({ ...state, region: [p.code] });
    });
    return el("div", { class: "popup" },
      regionTooltip(p), el("a", { href: sitePath(p.url) }, "Region details"), el("br"), only);
  }

  function regionFigure(p) {
    const outages = (p.outages || []).filter((o) => o.service === state.service);
    return outages.reduce((max, o) => Math.max(max, o.count || 0), 0);
  }

  async function loadFacilities() {
    const params = stateToParams(state, { withInterval: false, withService: false });
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
    facilitiesLayer.clearLayers();
    for (const marker of markers) facilitiesLayer.addLayer(marker);
    timings.counts.facilities = markers.length;
    layerState.facilities = "ready";
  }

  // Above this many attacks in view the map shows one total per region instead of
  // every strike: drawing 100,000 markers helps nobody and takes seconds.
  const ATTACK_MARKER_LIMIT = 5000;
  let attacksDrawn = null;
  let attackMode = "markers";

  /** An estimate of the attacks in view: each region's total, in proportion to the
   * share of its bounding box the viewport covers. */
  function attacksInView() {
    const view = map.getBounds();
    const area = (b) => Math.max(0, b.getEast() - b.getWest()) * Math.max(0, b.getNorth() - b.getSouth());
    let total = 0;
    regionsLayer.eachLayer((layer) => {
      const box = layer.getBounds();
      if (!view.intersects(box)) return;
      const overlap = L.latLngBounds(
        [Math.max(box.getSouth(), view.getSouth()), Math.max(box.getWest(), view.getWest())],
        [Math.min(box.getNorth(), view.getNorth()), Math.min(box.getEast(), view.getEast())],
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
    attacksLayer.clearLayers();
    totalsLayer.clearLayers();
    let total = 0;
    regionsLayer.eachLayer((layer) => {
      const p = layer.feature.properties;
      if (!p.attacks) return;
      total += p.attacks;
      const text = numberFormat.format(p.attacks);
      const size = Math.min(64, 30 + text.length * 5);
      const bubble = L.marker(labelPoint(layer), {
        icon: L.divIcon({
          className: "attack-cluster region-total",
          html: `<span style="width:${size}px;height:${size}px;line-height:${size}px">${text}</span>`,
          iconSize: [size, size],
        }),
        keyboard: true,
        title: `${text} attacks in ${p.name}; zoom in to see each strike`,
      });
      bubble.on("click", () => map.fitBounds(layer.getBounds(), { maxZoom: 10 }));
      totalsLayer.addLayer(bubble);
    });
    return total;
  }

  async function loadAttacks() {
    layerState.attacks = "loading";
    showStatus();
    const inView = attacksInView();
    if (inView > ATTACK_MARKER_LIMIT) {
      if (controllers.attacks) controllers.attacks.abort();
      attackMode = "regions";
      attackCount = drawRegionTotals();
      timings.counts.attacks = attackCount;
      timings.counts.attackMode = attackMode;
      layerState.attacks = "ready";
      return;
    }
    const params = stateToParams(state, { withInterval: false, withService: false });
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
    totalsLayer.clearLayers();
    attacksLayer.clearLayers();
    await new Promise((resolve) => {
      attacksDrawn = resolve;
      attacksLayer.addLayers(markers, true);
      // A hidden layer (switched off in the layer control) only stores its markers until
      // it is shown again, and reports no progress: there is nothing to wait for.
      if (!markers.length || !map.hasLayer(attacksLayer)) resolve();
    });
    attackMode = "markers";
    attackCount = markers.length;
    timings.counts.attacks = markers.length;
    timings.counts.attackMode = attackMode;
    layerState.attacks = "ready";
  }

  async function loadRegions() {
    // Without a service filter the layer carries every service's outages, and its
    // attack counts are not narrowed to attacks that caused an outage.
    const params = stateToParams(state, { withInterval: false, withService: false });
    layerState.regions = "loading";
    showStatus();
    const data = await getJSON("regions", `${API}map/regions.geojson?${params}`);
    regionsLayer.clearLayers();
    regionsLayer.addData(data);
    // A newly chosen region comes into view; panning afterwards is the user's business.
    if (fitToRegion && state.region.length && regionsLayer.getLayers().length) {
      map.fitBounds(regionsLayer.getBounds(), { maxZoom: 10, padding: [24, 24], animate: false });
    }
    fitToRegion = false;
    timings.counts.regions = data.features.length;
    layerState.regions = "ready";
  }

  function styleRegion(feature) {
    const chosen = state.region.includes(feature.properties.code);
    return {
      color: chosen ? "#111" : "#555",
      weight: chosen ? 2.5 : 1,
      fillColor: outageColour(regionFigure(feature.properties)),
      fillOpacity: 0.55,
    };
  }

  function onEachRegion(feature, layer) {
    layer.bindTooltip(() => regionTooltip(feature.properties), { sticky: true, className: "region-tooltip" });
    layer.on("click", (event) => {
      L.popup().setLatLng(event.latlng).setContent(regionPopup(feature.properties)).openOn(map);
    });
  }

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

  let ready = false;
  function refreshAll(kind) {
    if (!ready) return;
    const startedAt = performance.now();
    loadSummary();
    loadTimeline();
    loadSeries();
    regionsLayer.setStyle(styleRegion);
    redraw(kind, everyLayer(), startedAt);
  }

  /** The attacks layer decides what to draw from the regions' totals, so it waits for them. */
  function everyLayer() {
    const regions = loadRegions();
    return {
      facilities: loadFacilities,
      regions: () => regions,
      attacks: async () => {
        await regions;
        await loadAttacks();
      },
    };
  }

  // Mainland Ukraine and Crimea, so the first view fits any screen.
  const UKRAINE = [[44.3, 22.1], [52.4, 40.3]];

  /** The map view lives in the URL too (?map=zoom/lat/lng), replaced rather than pushed. */
  function readView(search) {
    const match = /^(\d{1,2}(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(new URLSearchParams(search).get("map") || "");
    if (!match) return null;
    const [zoom, lat, lng] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
    return { zoom, center: [lat, lng] };
  }

  function rememberView() {
    const params = new URLSearchParams(location.search);
    const center = map.getCenter();
    params.set("map", `${map.getZoom()}/${center.lat.toFixed(4)}/${center.lng.toFixed(4)}`);
    history.replaceState(history.state, "", `${location.pathname}?${params}`);
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
    // A short pause lets a drag or a zoom animation finish before fetching.
    moveTimer = setTimeout(
      () => redraw("pan", { facilities: loadFacilities, attacks: loadAttacks }, startedAt),
      60,
    );
  }

  function addLegend() {
    const legend = L.control({ position: "bottomleft" });
    legend.onAdd = () => {
      const box = L.DomUtil.create("div", "map-legend");
      const swatch = (colour, round) => el("span", { class: round ? "swatch round" : "swatch", style: { background: colour } });
      const statuses = Object.entries(LABELS.status)
        .map(([value, label]) => el("li", {}, swatch(lookup(STATUS_COLOURS, value, "#555"), true), label));
      const kinds = Object.entries(LABELS.kind).map(([value, label]) => {
        const icon = el("span", { class: "glyph" });
        icon.innerHTML = glyph(value, 14);
        return el("li", {}, icon, label);
      });
      const weapons = Object.entries(LABELS.weapon_type)
        .map(([value, label]) => el("li", {}, swatch(lookup(WEAPON_COLOURS, value, WEAPON_COLOURS.unknown), true), label));
      const bins = [...OUTAGE_BINS].reverse().map((bin, i, all) => {
        const upper = all[i + 1] ? `–${numberFormat.format(all[i + 1].min - 1)}` : "+";
        return el("li", {}, swatch(bin.colour), `${numberFormat.format(bin.min)}${upper}`);
      });
      box.append(el("details", { open: window.matchMedia("(min-width: 900px)").matches ? "" : null },
        el("summary", {}, "Legend"),
        el("h3", {}, "Facility status"), el("ul", { class: "cols" }, statuses),
        el("details", { class: "kinds-box" }, el("summary", {}, "Facility kinds"), el("ul", { class: "cols" }, kinds)),
        el("h3", {}, "Attacks: colour = weapons used, size = number launched"), el("ul", { class: "cols" }, weapons),
        el("h3", {}, "Regions: without ", el("span", { class: "legend-service" }), " now"),
        el("ul", { class: "cols" }, bins, el("li", {}, swatch("#f7f7f7"), "none reported"))));
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    legend.addTo(map);
  }

  function updateLegendService() {
    for (const node of document.querySelectorAll(".legend-service")) {
      node.textContent = String(lookup(LABELS.service, state.service, state.service)).toLowerCase();
    }
  }

  window.trackerMapInit = function (leafletMap) {
    map = leafletMap;
    map.createPane("regions").style.zIndex = 350;
    regionsLayer = L.geoJSON(null, { pane: "regions", style: styleRegion, onEachFeature: onEachRegion });
    facilitiesLayer = L.layerGroup();
    attacksLayer = L.markerClusterGroup({
      chunkedLoading: true,
      chunkInterval: 100,
      chunkDelay: 10,
      chunkProgress: (processed, total) => {
        // The group finishes its bookkeeping right after the last chunk is reported.
        if (processed >= total && attacksDrawn) setTimeout(attacksDrawn, 0);
      },
      showCoverageOnHover: false,
      maxClusterRadius: 50,
      disableClusteringAtZoom: 14,
      spiderfyOnMaxZoom: false,
      iconCreateFunction: clusterIcon,
    });
    // For people debugging the page and for browser tests.
    window.trackerDashboard = { map, facilitiesLayer, attacksLayer, regionsLayer };
    attacksGroupRef = () => attacksGroup;
    totalsLayer = L.layerGroup();
    const attacksGroup = L.layerGroup([attacksLayer, totalsLayer]);
    regionsLayer.addTo(map);
    attacksGroup.addTo(map);
    facilitiesLayer.addTo(map);
    L.control.layers(null, {
      "Facilities": facilitiesLayer,
      "Attacks": attacksGroup,
      "Regions (outages)": regionsLayer,
    }, { collapsed: window.matchMedia("(max-width: 600px)").matches, position: "topright" }).addTo(map);
    addLegend();
    updateLegendService();
    map.on("overlayadd overlayremove", showStatus);
    // Quarter zoom steps let the whole country fill a narrow phone screen.
    map.options.zoomSnap = 0.25;
    const container = map.getContainer();
    const markZoom = () => container.classList.toggle("zoomed-out", map.getZoom() < 6);
    map.on("zoomend", markZoom);
    const view = readView(location.search);
    if (view) map.setView(view.center, view.zoom, { animate: false });
    else map.fitBounds(UKRAINE, { animate: false });
    fitToRegion = !view && state.region.length > 0;
    markZoom();
    map.on("moveend", rememberView);
    stateToForm(state);
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

  // ------------------------------------------------------------------ summary figures

  const summaryBox = document.getElementById("summary");

  function currentOutageText(outages, service) {
    const rows = (outages || []).filter((o) => o.service === service && o.count);
    if (!rows.length) return "none reported";
    return rows
      .map((o) => `${fmtNumber(o.count)} ${String(lookup(LABELS.unit, o.unit, o.unit)).toLowerCase()}` +
        (o.regions ? ` in ${fmtNumber(o.regions)} region${o.regions === 1 ? "" : "s"}` : ""))
      .join("; ");
  }

  async function loadSummary() {
    const params = stateToParams(state, { withInterval: false, withService: false });
    summaryBox.setAttribute("aria-busy", "true");
    summaryBox.classList.add("is-loading");
    let data;
    try {
      data = await getJSON("summary", `${API}stats/summary?${params}`);
    } catch (error) {
      if (isAbort(error)) return;
      for (const dd of summaryBox.querySelectorAll("dd")) dd.textContent = "–";
      summaryBox.querySelector('[data-figure="attacks"]').textContent = "unavailable";
      summaryBox.classList.remove("is-loading");
      return;
    }
    const set = (name, text) => (summaryBox.querySelector(`[data-figure="${name}"]`).textContent = text);
    set("attacks", fmtNumber(data.attacks));
    set("facilities_damaged", fmtNumber(data.facilities_damaged));
    set("facilities_destroyed", fmtNumber(data.facilities_destroyed));
    set("heating", currentOutageText(data.outages_current, "heating"));
    set("electricity", currentOutageText(data.outages_current, "electricity"));
    set("weapons_launched", fmtNumber(data.weapons_launched));
    set(
      "interception",
      data.interception_rate === null || data.interception_rate === undefined
        ? "–"
        : `${percentFormat.format(data.interception_rate)} (${fmtNumber(data.weapons_intercepted)})`,
    );
    summaryBox.setAttribute("aria-busy", "false");
    summaryBox.classList.remove("is-loading");
    timings.summaryAt = performance.now();
  }

  // ------------------------------------------------------------------ timeline

  let timelineChart = null;
  let seriesChart = null;
  let timelinePeriods = [];
  let timelineResults = [];
  let timelineInterval = "week";

  function autoInterval() {
    if (state.interval) return state.interval;
    if (state.started_after && state.started_before) {
      const days = (Date.parse(state.started_before) - Date.parse(state.started_after)) / 864e5;
      if (days <= 92) return "day";
      if (days > 3 * 366) return "month";
    }
    return "week";
  }

  function periodEnd(start, interval) {
    const date = new Date(start + "T00:00:00Z");
    if (interval === "week") date.setUTCDate(date.getUTCDate() + 6);
    if (interval === "month") {
      date.setUTCMonth(date.getUTCMonth() + 1);
      date.setUTCDate(0);
    }
    return date.toISOString().slice(0, 10);
  }

  function periodLabel(start, interval) {
    const date = new Date(start + "T00:00:00Z");
    if (interval === "month") return date.toLocaleDateString("en-GB", { timeZone: "UTC", month: "short", year: "numeric" });
    return shortDateFormat.format(date) + (interval === "week" ? "–" + shortDateFormat.format(new Date(periodEnd(start, interval) + "T00:00:00Z")) : "");
  }

  function onTimelineClick(event, elements) {
    if (!elements.length) return;
    const period = timelinePeriods[elements[0].index];
    if (!period) return;
    applyState({ ...state, started_after: period, started_before: periodEnd(period, timelineInterval) });
  }

  async function loadTimeline() {
    timelineInterval = autoInterval();
    const params = stateToParams(state, { withInterval: false, withService: false });
    params.set("interval", timelineInterval);
    let data;
    try {
      data = await getJSON("timeline", `${API}stats/timeline?${params}`);
    } catch (error) {
      if (!isAbort(error)) document.getElementById("timeline-empty").textContent = `The timeline could not be loaded (${error.message}).`;
      return;
    }
    const results = data.results || [];
    timelineInterval = data.interval || timelineInterval;
    // Years of weekly bars are unreadable: an automatic interval switches to months.
    if (!state.interval && timelineInterval === "week" && results.length > 120) {
      state.interval = "month";
      try {
        return await loadTimeline();
      } finally {
        state.interval = "";
      }
    }
    timelinePeriods = results.map((r) => r.period);
    timelineResults = results;
    const types = Object.keys(LABELS.weapon_type).filter((t) => results.some((r) => (r.by_weapon_type || {})[t]));
    const datasets = types.map((t) => ({
      label: LABELS.weapon_type[t],
      data: results.map((r) => (r.by_weapon_type || {})[t] || 0),
      backgroundColor: WEAPON_COLOURS[t],
      stack: "weapons",
    }));
    // The bars count weapons launched; the line counts attacks, on its own axis.
    datasets.push({
      type: "line",
      label: "Attacks",
      data: results.map((r) => r.attacks),
      borderColor: "#263238",
      backgroundColor: "#263238",
      borderWidth: 1.5,
      pointRadius: results.length > 60 ? 0 : 2,
      yAxisID: "attacks",
      order: -1,
    });
    const empty = results.every((r) => !r.attacks);
    const emptyBox = document.getElementById("timeline-empty");
    emptyBox.textContent = "No attacks match these filters.";
    emptyBox.hidden = !empty;
    const chartData = { labels: results.map((r) => periodLabel(r.period, timelineInterval)), datasets };
    if (timelineChart) {
      timelineChart.data = chartData;
      timelineChart.update();
    } else {
      timelineChart = new Chart(document.getElementById("timeline-chart"), {
        type: "bar",
        data: chartData,
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          onClick: onTimelineClick,
          onHover: (event, elements) => {
            if (event.native) event.native.target.style.cursor = elements.length ? "pointer" : "default";
          },
          scales: {
            x: { stacked: true, ticks: { maxRotation: 0, autoSkip: true } },
            y: {
              stacked: true, beginAtZero: true, title: { display: true, text: "weapons launched" },
              ticks: { precision: 0, callback: (v) => numberFormat.format(v) },
            },
            attacks: {
              position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
              title: { display: true, text: "attacks" },
              ticks: { precision: 0, callback: (v) => numberFormat.format(v) },
            },
          },
          plugins: {
            legend: { position: "bottom", labels: { boxWidth: 12 } },
            tooltip: {
              callbacks: {
                label: (item) => `${item.dataset.label}: ${numberFormat.format(item.raw)}`,
                footer: (items) => {
                  const r = timelineResults[items[0].dataIndex];
                  return r ? `${numberFormat.format(r.attacks)} attacks · ${numberFormat.format(r.launched || 0)} launched · ${numberFormat.format(r.intercepted || 0)} intercepted` : "";
                },
              },
            },
          },
        },
      });
    }
    document.getElementById("timeline-chart").dataset.periods = String(results.length);
    timings.timelineAt = performance.now();
  }

  async function loadSeries() {
    updateLegendService();
    const region = state.region[0];
    const hint = document.getElementById("series-hint");
    const canvas = document.getElementById("series-chart");
    const regionName = region ? (form.elements.namedItem("region").selectedOptions[0] || {}).textContent : "";
    document.getElementById("series-region").textContent = region ? regionName : "the chosen region";
    if (!region) {
      hint.textContent = "Choose a region (filter or map) to see its outage figures over time.";
      hint.hidden = false;
      canvas.parentElement.hidden = true;
      return;
    }
    const params = new URLSearchParams({ region, service: state.service });
    for (const name of ["started_after", "started_before"]) if (state[name]) params.set(name, state[name]);
    let data;
    try {
      data = await getJSON("series", `${API}outages/series?${params}`);
    } catch (error) {
      if (!isAbort(error)) hint.textContent = `The outage series could not be loaded (${error.message}).`;
      return;
    }
    const rows = data.results || [];
    const service = String(lookup(LABELS.service, state.service, state.service)).toLowerCase();
    if (!rows.length) {
      hint.textContent = `No ${service} outage figures for ${regionName}.`;
      hint.hidden = false;
      canvas.parentElement.hidden = true;
      return;
    }
    hint.hidden = true;
    canvas.parentElement.hidden = false;
    const units = [...new Set(rows.map((r) => r.unit))];
    const labels = [...new Set(rows.map((r) => r.as_of))];
    const palette = ["#b3261e", "#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00"];
    const chartData = {
      labels: labels.map(fmtDateTime),
      datasets: units.map((unit, i) => ({
        label: `Without ${service} (${String(lookup(LABELS.unit, unit, unit)).toLowerCase()})`,
        data: labels.map((at) => {
          const row = rows.find((r) => r.unit === unit && r.as_of === at);
          return row ? row.count : null;
        }),
        borderColor: palette[i % palette.length],
        backgroundColor: palette[i % palette.length],
        spanGaps: true,
        stepped: "before",
      })),
    };
    canvas.setAttribute("aria-label", `${regionName}: ${rows.map((r) => `${outageText(r)} as of ${fmtDateTime(r.as_of)}`).join("; ")}`);
    if (seriesChart) {
      seriesChart.data = chartData;
      seriesChart.update();
    } else {
      seriesChart = new Chart(canvas, {
        type: "line",
        data: chartData,
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: { y: { beginAtZero: true, ticks: { callback: (v) => numberFormat.format(v) } } },
          plugins: {
            legend: { position: "bottom", labels: { boxWidth: 12 } },
            tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${numberFormat.format(item.raw)}` } },
          },
        },
      });
    }
  }
})();
