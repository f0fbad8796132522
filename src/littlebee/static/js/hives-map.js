/* The station finder's map and "locate me".
 *
 * The list under the map is rendered by the server and is the page's fallback: without
 * JavaScript, without Leaflet, or when the tile server cannot be reached, the map stays hidden
 * (or hides itself) and the list and search keep working.
 *
 * Station data is WGS-84. A Chinese tile provider draws in GCJ-02; with the setting
 * HIVES_MAP_COORDINATES=gcj02 every point placed on the map is shifted, and the map's box is
 * shifted back before it is sent to the API.
 */
(function () {
  "use strict";

  // --- WGS-84 -> GCJ-02 (the published algorithm; outside China the two agree) ---------------
  var A = 6378245.0;
  var EE = 0.00669342162296594323;

  function outOfChina(lat, lng) {
    return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271;
  }

  function transformLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
    r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
    r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
    return r;
  }

  function transformLng(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
    r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
    r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
    return r;
  }

  function wgs84ToGcj02(lat, lng) {
    if (outOfChina(lat, lng)) return [lat, lng];
    var dLat = transformLat(lng - 105.0, lat - 35.0);
    var dLng = transformLng(lng - 105.0, lat - 35.0);
    var radLat = (lat / 180.0) * Math.PI;
    var magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
    dLng = (dLng * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
    return [lat + dLat, lng + dLng];
  }

  // One fixed-point step is within a metre of the exact inverse: enough for a map box.
  function gcj02ToWgs84(lat, lng) {
    var shifted = wgs84ToGcj02(lat, lng);
    return [lat * 2 - shifted[0], lng * 2 - shifted[1]];
  }

  // Between WGS-84 (the API, the phone) and the tiles' system (GCJ-02 for a Chinese provider).
  function projection(config) {
    var gcj = config.coordinates === "gcj02";
    return {
      toMap: function (lat, lng) {
        return gcj ? wgs84ToGcj02(lat, lng) : [lat, lng];
      },
      fromMap: function (lat, lng) {
        return gcj ? gcj02ToWgs84(lat, lng) : [lat, lng];
      },
    };
  }

  // The configured tiles on `map`. Tiles that never arrive (no network to the tile server,
  // blocked, misconfigured: 4 errors before the first tile, or none after 8 s) call `onGiveUp`
  // once, so that the page hides its map and falls back to what works without it.
  function addTiles(map, config, element, onGiveUp) {
    var loaded = 0;
    var errors = 0;
    var done = false;
    function giveUp() {
      if (loaded > 0 || done) return;
      done = true;
      element.setAttribute("data-map-state", "failed");
      onGiveUp();
    }
    var tiles = L.tileLayer(config.tileUrl, {
      attribution: config.attribution,
      subdomains: config.subdomains || "abc",
      maxZoom: 19,
    });
    tiles.on("tileload", function () {
      loaded += 1;
      element.setAttribute("data-map-state", "tiles");
    });
    tiles.on("tileerror", function () {
      errors += 1;
      if (errors >= 4) giveUp();
    });
    tiles.addTo(map);
    window.setTimeout(giveUp, 8000);
    return tiles;
  }

  window.LittleBeeGeo = {
    wgs84ToGcj02: wgs84ToGcj02,
    gcj02ToWgs84: gcj02ToWgs84,
    projection: projection,
    addTiles: addTiles,
  };

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
    if (!window.L || !L.markerClusterGroup || !configNode) return;
    var config = JSON.parse(configNode.textContent);
    var toMap = projection(config).toMap;
    var fromMap = projection(config).fromMap;

    wrap.hidden = false;
    var hasPosition = element.hasAttribute("data-lat");
    var here = hasPosition
      ? [parseFloat(element.getAttribute("data-lat")), parseFloat(element.getAttribute("data-lng"))]
      : config.center;
    var map = L.map(element, { zoomControl: false, attributionControl: true }).setView(toMap(here[0], here[1]), hasPosition ? 15 : 13);
    L.control.zoom({ position: "bottomright" }).addTo(map);

    addTiles(map, config, element, function () {
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
