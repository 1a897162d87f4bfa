/* Starts the maps that django-leaflet's tags describe (templates/leaflet/) and attaches
 * the admin's geometry fields to them. django-leaflet does this with inline script,
 * which the Content-Security-Policy refuses; here the options come from data attributes.
 *
 * Each map's template includes this file (deferred, so it runs once the page is parsed
 * and every other script has defined its map callback); it acts on its first run only.
 */
(function () {
  "use strict";

  if (window.trackerLeafletInit) return;
  window.trackerLeafletInit = true;

  /** The function a dotted name such as "window.trackerMapInit" or "L.GeometryField" names. */
  function named(name, what) {
    const value = name
      .split(".")
      .reduce((scope, part, i) => (i === 0 && part === "window" ? scope : scope == null ? undefined : scope[part]), window);
    if (typeof value !== "function") throw new Error(`${what} "${name}" is not defined.`);
    return value;
  }

  /** What django-leaflet's widget script set up inline: a geometry field drawn on `map`. */
  function attachField(map, options, marker) {
    const data = marker.dataset;
    const GeometryField = named(data.geometryFieldClass, "The geometry field class");
    const field = new GeometryField({
      fieldid: data.leafletField,
      modifiable: data.modifiable === "true",
      geom_type: data.geomType,
      srid: Number(data.srid),
      field_store_class: named(data.fieldStoreClass, "The field store class"),
      precision: options.djoptions.precision,
    }).addTo(map);
    if (data.modifiable === "true" && String(data.geomType).toLowerCase() === "point") {
      placePointOnClick(map, field, document.getElementById(data.leafletField));
    }
  }

  /* A single point is placed (or moved) by a plain click on the map, without choosing
   * "Draw a marker" first. The field's textarea also answers "tracker:place" events
   * ({lat, lng}: the coordinates typed beside the map) and sends "tracker:placed"
   * whenever the point changes on the map, so the typed coordinates follow it. */
  function placePointOnClick(map, field, store) {
    function placed() {
      let point = null;
      try {
        const geometry = store.value ? JSON.parse(store.value) : null;
        if (geometry && geometry.type === "Point") point = { lng: geometry.coordinates[0], lat: geometry.coordinates[1] };
      } catch (error) {
        point = null;
      }
      store.dispatchEvent(new CustomEvent("tracker:placed", { bubbles: true, detail: point }));
    }
    function place(latlng) {
      field.onCreated({ layer: L.marker(latlng) });
      placed();
    }
    map.on("click", (event) => {
      // While a draw or edit tool is active, the tool decides what a click does.
      if (field._acceptDrawEvents) return;
      place(event.latlng);
    });
    map.on("draw:created draw:edited draw:deleted", () => setTimeout(placed, 0));
    store.addEventListener("tracker:place", (event) => {
      const latlng = L.latLng(event.detail.lat, event.detail.lng);
      field.onCreated({ layer: L.marker(latlng) });
      map.setView(latlng, Math.max(map.getZoom(), 10));
    });
    store.dataset.mapReady = "true";
    store.dispatchEvent(new CustomEvent("tracker:mapready", { bubbles: true }));
  }

  function start(marker) {
    const name = marker.dataset.leafletMap;
    const callback = marker.dataset.callback ? named(marker.dataset.callback, "The map callback") : null;
    const fields = document.querySelectorAll(`[data-leaflet-field][data-map="${CSS.escape(name)}"]`);
    const globals = marker.hasAttribute("data-globals");

    function load() {
      const map = L.Map.djangoMap(name, {
        djoptions: JSON.parse(marker.dataset.options),
        initfunc: load,
        globals,
        callback(leafletMap, options) {
          for (const field of fields) attachField(leafletMap, options, field);
          if (callback) callback(leafletMap, options);
        },
      });
      if (globals) window[`leafletmap${name}`] = map;
    }
    if (globals) window[`loadmap${name}`] = load;

    const events = JSON.parse(marker.dataset.loadevents || "[]");
    if (!events.length || (events.includes("load") && document.readyState === "complete")) load();
    else for (const event of events) window.addEventListener(event, load, false);
  }

  // A field drawn on another field's map (the widget's target_map) joins it once that one is loaded.
  window.addEventListener("map:init", (event) => {
    const { map, options } = event.detail;
    map.on("map:loadfield", (loaded) => {
      const selector = `[data-leaflet-field][data-target-field="${CSS.escape(loaded.fieldid)}"]`;
      for (const marker of document.querySelectorAll(selector)) setTimeout(() => attachField(map, options, marker), 0);
    });
  });

  for (const marker of document.querySelectorAll("[data-leaflet-map]")) start(marker);
})();
