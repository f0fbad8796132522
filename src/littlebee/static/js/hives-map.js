/* The station finder's map and "locate me".
 *
 * The list under the map is rendered by the server and is the page's fallback: without
 * JavaScript, without Leaflet, or when the tile server cannot be reached, the map stays hidden
 * (or hides itself) and the list and search keep working.
 *
 * Station data is WGS-84. A Chinese tile provider draws in GCJ-02; with the setting
 * HIVES_MAP_COORDINATES=gcj02 every point placed on the map is shifted, and the map's box is
 * shifted back before it is sent to the API: the conversion, the tiles and the icons are
 * map-setup.js's (window.LittleBeeGeo), shared with the other maps.
 */
(function () {
  "use strict";

  // --- Locate me --------------------------------------------------------------------------------
  function initLocate(form) {
    var button = document.querySelector("[data-locate-me]");
    var status = document.querySelector("[data-locate-status]");
    if (!button || !form) return;
    function say(text, isError) {
      status.hidden = !text;
      status.textContent = text || "";
      status.classList.toggle("locate__status--error", Boolean(isError));
    }
    button.addEventListener("click", function () {
      if (!("geolocation" in navigator)) {
        say(button.getAttribute("data-error-other"), true);
        return;
      }
      button.disabled = true;
      say(button.getAttribute("data-busy"));
      navigator.geolocation.getCurrentPosition(
        function (position) {
          ["lat", "lng"].forEach(function (name) {
            var input = form.querySelector("input[name=" + name + "]");
            if (!input) {
              input = document.createElement("input");
              input.type = "hidden";
              input.name = name;
              form.appendChild(input);
            }
            var value = name === "lat" ? position.coords.latitude : position.coords.longitude;
            input.value = value.toFixed(6);
          });
          // A position sorts by distance: a text search would sort by name, so it gives way.
          var words = form.querySelector("input[name=q]");
          if (words) words.value = "";
          form.submit();
        },
        function (error) {
          button.disabled = false;
          say(button.getAttribute(error.code === 1 ? "data-error-denied" : "data-error-other"), true);
        },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
      );
    });
  }

  // --- The map ----------------------------------------------------------------------------------
  function initMap(element) {
    var wrap = element.closest("[data-map-wrap]");
    var failed = document.querySelector("[data-map-failed]");
    var configNode = document.getElementById("hive-map-config");
    var geo = window.LittleBeeGeo;
    if (!window.L || !L.markerClusterGroup || !configNode || !geo) return;
    var config = JSON.parse(configNode.textContent);
    var toMap = geo.projection(config).toMap;
    var fromMap = geo.projection(config).fromMap;

    wrap.hidden = false;
    var hasPosition = element.hasAttribute("data-lat");
    var here = hasPosition
      ? [parseFloat(element.getAttribute("data-lat")), parseFloat(element.getAttribute("data-lng"))]
      : config.center;
    var map = geo.createMap(element, config, here, hasPosition ? 15 : 13, { zoomControl: false, attributionControl: true });
    L.control.zoom({ position: "bottomright" }).addTo(map);

    geo.addTiles(map, config, element, function () {
      wrap.hidden = true;
      if (failed) failed.hidden = false;
    });

    if (hasPosition) {
      L.circleMarker(toMap(here[0], here[1]), { radius: 8, color: "#fff", weight: 3, fillColor: "#1f6feb", fillOpacity: 1 })
        .addTo(map)
        .bindTooltip(element.getAttribute("data-label-here"));
    }

    var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50, chunkedLoading: true });
    map.addLayer(cluster);

    var detailUrl = element.getAttribute("data-detail-url");
    function popup(item) {
      var box = document.createElement("div");
      box.className = "map-popup";
      var title = document.createElement("p");
      title.className = "map-popup__title";
      title.textContent = item.name;
      var state = document.createElement("p");
      state.className = "pill" + (item.open_now ? " pill--success" : "");
      state.textContent = element.getAttribute(item.open_now ? "data-label-open" : "data-label-closed");
      var link = document.createElement("a");
      link.className = "btn btn--primary btn--sm";
      link.href = detailUrl.replace(/0\/$/, item.id + "/");
      link.textContent = element.getAttribute("data-label-detail");
      box.append(title, state, link);
      return box;
    }

    function icon(item) {
      return L.divIcon({
        className: "hive-pin" + (item.open_now ? " hive-pin--open" : "") + (item.demonstration ? " hive-pin--demo" : ""),
        html: "<span></span>",
        iconSize: [28, 28],
        iconAnchor: [14, 14],
      });
    }

    var api = element.getAttribute("data-api");
    var openNow = element.getAttribute("data-open-now") === "true";
    var service = element.getAttribute("data-service");
    var pending = null;
    var timer = null;
    function refresh() {
      // A map not laid out yet has no size and its bounds are a point: nothing to ask for yet
      // (the server answers such a box, but it shows no station).
      var size = map.getSize();
      if (!size.x || !size.y) {
        map.invalidateSize();
        size = map.getSize();
        if (!size.x || !size.y) return;
      }
      var b = map.getBounds();
      var sw = fromMap(b.getSouth(), b.getWest());
      var ne = fromMap(b.getNorth(), b.getEast());
      var params = new URLSearchParams({
        south: sw[0].toFixed(5),
        west: sw[1].toFixed(5),
        north: ne[0].toFixed(5),
        east: ne[1].toFixed(5),
      });
      if (openNow) params.set("open_now", "true");
      if (service) params.set("service", service);
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
              var marker = L.marker(toMap(item.lat, item.lng), { icon: icon(item), title: item.name });
              marker.bindPopup(function () {
                return popup(item);
              });
              return marker;
            })
          );
          element.setAttribute("data-station-count", String(data.items.length));
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
    initLocate(document.querySelector("[data-finder-form]"));
    var element = document.querySelector("[data-hive-map]");
    if (element) initMap(element);
  });
})();
