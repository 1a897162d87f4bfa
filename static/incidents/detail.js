/* The small map on a facility page: one marker where the facility stands. */
(function () {
  "use strict";

  const STATUS_COLOURS = {
    operational: "#2e7d32", damaged: "#ef6c00", destroyed: "#b71c1c", under_repair: "#f9a825", restored: "#1565c0",
  };

  window.facilityMapInit = function (map) {
    const point = JSON.parse(document.getElementById("facility-point").textContent);
    const position = [point.lat, point.lng];
    L.circleMarker(position, {
      radius: 9, color: "#fff", weight: 2, fillColor: STATUS_COLOURS[point.status] || "#555", fillOpacity: 1,
    }).addTo(map).bindTooltip(point.name, { permanent: false });
    map.setView(position, 12);
  };
})();
