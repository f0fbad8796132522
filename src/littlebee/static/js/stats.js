/* The statistics dashboard (/staff/stats/): the trend chart (ECharts, by week or month), the map of
 * reports by community (Leaflet, through map-setup.js), and the print button. The figures come from
 * the page's JSON (json_script), computed on the server by analytics.measures: the script draws,
 * it never counts. Without JavaScript the tables below show the same numbers. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function trendChart(data, labels) {
    var element = document.querySelector('[data-chart="trend"]');
    if (!element || !window.echarts || !data) return;
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    var names = ["registered", "checked_in", "reports_submitted", "appeals_received", "station_visits"];
    function draw(unit) {
      var rows = data[unit] || [];
      chart.setOption(
        {
          animation: false,
          tooltip: { trigger: "axis" },
          legend: { top: 0, type: "scroll" },
          grid: { left: 40, right: 12, top: 40, bottom: 28 },
          xAxis: { type: "category", data: rows.map(function (r) { return r.start; }) },
          yAxis: { type: "value", minInterval: 1 },
          series: names.map(function (name) {
            return {
              name: labels[name] || name,
              type: "line",
              smooth: false,
              data: rows.map(function (r) { return r[name]; }),
            };
          }),
        },
        true
      );
    }
    draw("weeks");
    document.querySelectorAll("[data-trend-unit]").forEach(function (button) {
      button.addEventListener("click", function () {
        document.querySelectorAll("[data-trend-unit]").forEach(function (b) {
          b.classList.toggle("filter-chip--active", b === button);
        });
        draw(button.getAttribute("data-trend-unit"));
      });
    });
    window.addEventListener("resize", function () { chart.resize(); });
    window.addEventListener("beforeprint", function () { chart.resize(); });
  }

  function reportsMap(points, config) {
    var element = document.querySelector("[data-stats-map]");
    if (!element || !window.L || !window.LittleBeeGeo || !points || !points.length || !config) return;
    var geo = window.LittleBeeGeo;
    var projection = geo.projection(config);
    var map = geo.createMap(element, config, [points[0].lat, points[0].lng], 11);
    geo.addTiles(map, config, element);
    var most = Math.max.apply(null, points.map(function (p) { return p.reports; }));
    var bounds = [];
    points.forEach(function (p) {
      var at = projection.toMap(p.lat, p.lng);
      bounds.push(at);
      window.L.circleMarker(at, {
        radius: 5 + 20 * Math.sqrt(p.reports / most),
        color: "#b45309",
        weight: 1,
        fillColor: "#f59e0b",
        fillOpacity: 0.55,
      })
        .bindTooltip(p.name + " · " + p.reports)
        .addTo(map);
    });
    if (bounds.length > 1) map.fitBounds(bounds, { padding: [20, 20] });
  }

  function start() {
    var charts = readJson("stats-charts");
    var labelNode = document.querySelector("[data-labels]");
    var labels = labelNode ? JSON.parse(labelNode.getAttribute("data-labels")) : {};
    trendChart(charts, labels);
    reportsMap(charts && charts.map, readJson("stats-map-config"));
    document.querySelectorAll("[data-print]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        window.print();
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
