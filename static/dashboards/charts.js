/* StarService charts: each .chart[data-chart] names a JSON spec (dashboards/charts.py) and is
   drawn with the vendored ECharts as SVG. The table beside a chart stays in the page for
   screen readers and print; without JavaScript it is all there is. */
(function () {
  "use strict";
  var PALETTE = ["#0d6efd", "#c81e1e", "#146c43", "#fd7e14"];
  var FONT = "system-ui, 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";

  function option(spec) {
    var many = spec.x.length > 6;
    return {
      color: PALETTE,
      animation: false,
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "axis" },
      legend: { show: spec.series.length > 1, top: 0 },
      grid: { left: many ? 28 : 8, right: 8, bottom: 8, top: spec.series.length > 1 ? 52 : 36, containLabel: true },
      xAxis: {
        type: "category",
        data: spec.x,
        axisLabel: { interval: 0, rotate: many ? 35 : 0, hideOverlap: true, width: 96, overflow: "truncate" }
      },
      yAxis: spec.axes.map(function (axis, index) {
        return {
          type: "value",
          name: axis.name,
          max: axis.max,
          scale: Boolean(axis.scale),
          position: index ? "right" : "left",
          splitLine: { show: index === 0 },
          nameTextStyle: { align: index ? "right" : "left" }
        };
      }),
      series: spec.series.map(function (serie) {
        return {
          name: serie.name,
          type: serie.type,
          data: serie.data,
          yAxisIndex: serie.axis || 0,
          connectNulls: true,
          symbolSize: 7,
          barMaxWidth: 40,
          label: { show: serie.type === "bar" && !many, position: "top" }
        };
      })
    };
  }

  function render(element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source || !window.echarts) {
      return;
    }
    element.hidden = false;
    var locale = (document.documentElement.lang || "").indexOf("zh") === 0 ? "ZH" : "EN";
    var chart = window.echarts.init(element, null, { renderer: "svg", locale: locale });
    chart.setOption(option(JSON.parse(source.textContent)));
    var table = document.querySelector('[data-chart-table="' + element.id + '"]');
    if (table) {
      table.classList.add("visually-hidden-screen");
    }
    window.addEventListener("resize", function () { chart.resize(); });
    window.addEventListener("beforeprint", function () { chart.resize(); });
  }

  document.querySelectorAll(".chart[data-chart]").forEach(render);
})();
