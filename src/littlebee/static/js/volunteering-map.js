/* Today's volunteer tasks on the site's Leaflet map (map-setup.js: tiles, icons, GCJ-02 when
 * the tiles need it). The list under the map is the page without JavaScript or tiles; the map
 * hides itself when the tiles cannot be loaded. */
(function () {
  "use strict";

  function init() {
    var element = document.querySelector("[data-task-map]");
    var configNode = document.getElementById("tasks-map-config");
    var pointsNode = document.getElementById("tasks-map-points");
    var geo = window.LittleBeeGeo;
    if (!element || !window.L || !geo || !configNode || !pointsNode) return;
    var config = JSON.parse(configNode.textContent);
    var points = JSON.parse(pointsNode.textContent);
    var wrap = element.closest("[data-map-wrap]");
    var failed = document.querySelector("[data-map-failed]");
    var toMap = geo.projection(config).toMap;
    wrap.hidden = false;
    var center = points.length ? [points[0].lat, points[0].lng] : config.center;
    var map = geo.createMap(element, config, center, 13, {});
    geo.addTiles(map, config, element, function () {
      wrap.hidden = true;
      if (failed) failed.hidden = false;
    });
    var bounds = [];
    points.forEach(function (point) {
      var at = toMap(point.lat, point.lng);
      bounds.push(at);
      var link = document.createElement("a");
      link.href = point.url;
      link.textContent = point.title + " " + point.time;
      L.marker(at).addTo(map).bindPopup(link);
    });
    if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
