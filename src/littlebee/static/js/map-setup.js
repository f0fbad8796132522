/* What every Leaflet map of the site shares (the station finder, the public report map, the
 * report form's pin): the WGS-84 <-> GCJ-02 conversion, the configured tiles with their give-up
 * rule, and Leaflet's default marker icons. Published as window.LittleBeeGeo; load it after
 * leaflet.js and before the page's own map script.
 *
 * Icons: Leaflet finds its marker images by reading the URL of leaflet.css's
 * `.leaflet-default-icon-path` image and cutting "marker-icon.png" off its end. With hashed static
 * names (ManifestStaticFilesStorage: marker-icon.3f2c….png) that cut fails, and Leaflet asks for
 * "marker-icon-2x.png" next to the page: a 404 and a broken pin. The server gives the real
 * addresses in the map's config (core.geo.map_config, "icons"), and they are set here before any
 * marker is drawn.
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

  // Leaflet's default marker (L.marker without an icon) drawn from the addresses the server
  // gave: called by createMap, so no map of the site can draw a pin before this ran.
  function useIcons(config) {
    if (!window.L || !config || !config.icons) return;
    // A string imagePath stops Leaflet's own detection; the option URLs are complete.
    L.Icon.Default.imagePath = "";
    L.Icon.Default.mergeOptions({
      iconUrl: config.icons.iconUrl,
      iconRetinaUrl: config.icons.iconRetinaUrl,
      shadowUrl: config.icons.shadowUrl,
    });
  }

  // A Leaflet map on `element` centred on the WGS-84 point `center`, with the icons set up.
  function createMap(element, config, center, zoom, options) {
    useIcons(config);
    var point = projection(config).toMap(center[0], center[1]);
    return L.map(element, options || {}).setView(point, zoom);
  }

  window.LittleBeeGeo = {
    wgs84ToGcj02: wgs84ToGcj02,
    gcj02ToWgs84: gcj02ToWgs84,
    projection: projection,
    addTiles: addTiles,
    useIcons: useIcons,
    createMap: createMap,
  };
})();
