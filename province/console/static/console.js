// The console's only script (no inline script: the pages' CSP forbids it).
(function () {
  "use strict";
  var mapBox = document.getElementById("map");
  if (mapBox && window.echarts) {
    var spec = JSON.parse(mapBox.getAttribute("data-map"));
    var link = mapBox.getAttribute("data-link");
    var max = 0;
    spec.cities.forEach(function (c) { if (c.value > max) { max = c.value; } });
    var chart = window.echarts.init(mapBox, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: function (p) {
        return p.name + "：" + (p.value === undefined || isNaN(p.value) ? 0 : p.value); } },
      visualMap: { min: 0, max: Math.max(max, 1), left: 8, bottom: 8, calculable: false,
                   itemHeight: 90, text: [String(Math.max(max, 1)), "0"],
                   inRange: { color: ["#eef4fb", "#1f5fa8"] } },
      series: [{ type: "map", map: spec.map, roam: false, selectedMode: false,
                 label: { show: true, fontSize: 10, color: "#222" },
                 emphasis: { label: { show: true }, itemStyle: { areaColor: "#f5c04a" } },
                 itemStyle: { borderColor: "#8aa4c2" },
                 data: spec.cities.map(function (c) { return { name: c.name, value: c.value, code: c.code }; }) }]
    });
    chart.on("click", function (p) {
      if (p.data && p.data.code) { window.location.href = link + "&city=" + encodeURIComponent(p.data.code); }
    });
    window.addEventListener("resize", function () { chart.resize(); });
    mapBox.setAttribute("data-ready", "1");
  }
  var printButton = document.getElementById("print");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }
})();
