/* The public map of reports.
 *
 * The list under the map is rendered by the server and is the page's fallback: without
 * JavaScript, without Leaflet, or when the tile server cannot be reached, the map stays hidden
 * (or hides itself) and the list and filter links keep working.
 *
 * Points come from /api/v1/reports/map in WGS-84, already rounded to about 100 m. With
 * HIVES_MAP_COORDINATES=gcj02 (a Chinese tile provider) they are shifted with the conversion
 * map-setup.js publishes as window.LittleBeeGeo, and the box is shifted back for the API.
 */
(function () {
  "use strict";

  function initMap(element) {
    var wrap = element.closest("[data-map-wrap]");
    var failed = document.querySelector("[data-map-failed]");
    var zoomHint = document.querySelector("[data-map-zoom]");
    var configNode = document.getElementById("reports-map-config");
    if (!window.L || !L.markerClusterGroup || !configNode) return;
    var config = JSON.parse(configNode.textContent);
    var geo = window.LittleBeeGeo;
    if (!geo) return;
    var toMap = geo.projection(config).toMap;
    var fromMap = geo.projection(config).fromMap;

    wrap.hidden = false;
    var center = config.center;
    var map = geo.createMap(element, config, center, 12, { zoomControl: false });
    L.control.zoom({ position: "bottomright" }).addTo(map);

    geo.addTiles(map, config, element, function () {
      wrap.hidden = true;
      if (failed) failed.hidden = false;
      if (zoomHint) zoomHint.hidden = true;
    });

    var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45, chunkedLoading: true });
    map.addLayer(cluster);

    function popup(item) {
      var box = document.createElement("div");
      box.className = "map-popup";
      var title = document.createElement("p");
      title.className = "map-popup__title";
      title.textContent = item.category.name;
      var state = document.createElement("p");
      state.className = "pill " + (item.status === "resolved" ? "pill--success" : "pill--warning");
      state.textContent = item.status_label;
      var when = document.createElement("time");
      when.className = "small muted";
      when.dateTime = item.created_at;
      when.textContent = item.created_at;
      box.append(title, state, when);
      return box;
    }

    function icon(item) {
      return L.divIcon({
        className: "report-pin report-pin--" + (item.status === "resolved" ? "resolved" : "open"),
        html: "<span></span>",
        iconSize: [24, 24],
        iconAnchor: [12, 12],
      });
    }

    var api = element.getAttribute("data-api");
    var category = element.getAttribute("data-category");
    var status = element.getAttribute("data-status");
    var pending = null;
    var timer = null;
    function refresh() {
      var b = map.getBounds();
      var sw = fromMap(b.getSouth(), b.getWest());
      var ne = fromMap(b.getNorth(), b.getEast());
      var clamp = function (value, limit) {
        return Math.max(-limit, Math.min(limit, value));
      };
      var params = new URLSearchParams({
        min_lat: clamp(sw[0], 90).toFixed(5),
        max_lat: clamp(ne[0], 90).toFixed(5),
        min_lng: clamp(sw[1], 180).toFixed(5),
        max_lng: clamp(ne[1], 180).toFixed(5),
      });
      if (category) params.set("category", category);
      if (status) params.set("status", status);
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(api + "?" + params.toString(), { signal: pending.signal, headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (!data) return;
          cluster.clearLayers();
          cluster.addLayers(
            data.items.map(function (item) {
              var marker = L.marker(toMap(item.lat, item.lng), { icon: icon(item), title: item.category.name });
              marker.bindPopup(function () {
                return popup(item);
              });
              return marker;
            })
          );
          if (zoomHint) zoomHint.hidden = !data.truncated || wrap.hidden;
          element.setAttribute("data-report-count", String(data.items.length));
        })
        .catch(function () {
          /* a failed refresh keeps the markers already shown */
        });
    }
    map.on("moveend", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 250);
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.querySelector("[data-report-map]");
    if (element) initMap(element);
  });
})();
