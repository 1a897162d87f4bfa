/* Read-only geometry in the admin (a point or an outline someone may look at but not change):
 * a small map under the coordinates. The geometry, the tile URL and its attribution come from
 * the box's data attributes (incidents/admin/base.py, geometry_display); no inline script. */
(function () {
  "use strict";

  function start(box) {
    if (box.dataset.ready === "true" || typeof L === "undefined") return;
    const geometry = JSON.parse(box.dataset.geojson);
    const map = L.map(box, { scrollWheelZoom: false });
    if (box.dataset.tilesUrl) {
      L.tileLayer(box.dataset.tilesUrl, { attribution: box.dataset.tilesAttribution || "", maxZoom: 18 }).addTo(map);
    }
    if (geometry.type === "Point") {
      const position = [geometry.coordinates[1], geometry.coordinates[0]];
      L.circleMarker(position, {
        radius: 8, color: "#fff", weight: 2, fillColor: "#b3261e", fillOpacity: 1,
      }).addTo(map);
      map.setView(position, 11);
    } else {
      const layer = L.geoJSON(geometry, { style: { color: "#b3261e", weight: 2, fillOpacity: 0.1 } }).addTo(map);
      map.fitBounds(layer.getBounds());
    }
    box.dataset.ready = "true";
  }

  function startAll() {
    document.querySelectorAll(".readonly-geometry-map").forEach(start);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll);
  else startAll();
})();
