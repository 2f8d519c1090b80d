/* Draws the dashboards' charts from the JSON the page carries (json_script); no inline script (CSP).
   Each chart: <div class="ltc-chart" data-chart="funnel|stage_times|stage_trend|reps" data-source="id">. */
(function () {
  "use strict";

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function num(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  var builders = {
    attainment_gauge: function (data, node) {
      var row = data.rows.filter(function (r) { return r.kind === "cash"; })[0];
      var rate = row && row.rate !== null ? num(row.rate) : 0;
      return {
        series: [{ type: "gauge", min: 0, max: Math.max(100, Math.ceil(rate / 50) * 50), progress: { show: true },
                   detail: { formatter: row && row.rate !== null ? "{value} %" : "—", fontSize: 22 },
                   title: { offsetCenter: [0, "75%"] },
                   data: [{ value: rate, name: (row ? row.name + " · " : "") + (node.getAttribute("data-label") || "") }] }]
      };
    },
    attainment: function (data, node) {
      var rows = data.rows.filter(function (r) { return r.kind === "cash"; });
      function label(name, fallback) { return node.getAttribute("data-label-" + name) || fallback; }
      function series(name, key, extra) {
        return Object.assign({ name: label(name, name), type: "bar", barMaxWidth: 18,
                               data: rows.map(function (r) { return num(r[key]); }) }, extra || {});
      }
      return {
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", top: 0 },
        grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
        xAxis: { type: "value", splitNumber: node.clientWidth < 500 ? 2 : 5, axisLabel: { hideOverlap: true } },
        yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.name; }) },
        series: [series("target", "target", { itemStyle: { color: "#adb5bd" } }), series("actual", "actual"),
                 series("installments", "forecast_installments", { stack: "f" }),
                 series("pipeline", "forecast_pipeline", { stack: "f" })]
      };
    },
    channels: function (data, node) {
      var rows = data.sources;
      function label(name) { return node.getAttribute("data-label-" + name) || name; }
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { interval: 0, rotate: rows.length > 4 ? 30 : 0 } },
        yAxis: [{ type: "value" }, { type: "value", minInterval: 1 }],
        series: [
          { name: label("cost"), type: "bar", barMaxWidth: 28, data: rows.map(function (r) { return num(r.cost); }) },
          { name: label("cash"), type: "bar", barMaxWidth: 28, data: rows.map(function (r) { return num(r.cash); }) },
          { name: label("leads"), type: "line", yAxisIndex: 1, data: rows.map(function (r) { return r.leads; }) }
        ]
      };
    },
    funnel: function (data) {
      // Each stage one step narrower whatever its count (a thousand leads would make six deals invisible); the
      // labels and the table carry the counts.
      var stages = data.total.stages;
      function text(p) {
        var s = stages[p.dataIndex];
        return s.label + ": " + s.count + (s.conversion === null ? "" : " (" + s.conversion + " %)");
      }
      return {
        tooltip: { trigger: "item", formatter: text },
        series: [{
          type: "funnel", sort: "none", left: "5%", width: "90%", min: 0, max: stages.length,
          minSize: "30%", gap: 2,
          label: { show: true, position: "inside", formatter: text, color: "#fff", fontWeight: "bold" },
          data: stages.map(function (s, i) { return { name: s.label, value: stages.length - i }; })
        }]
      };
    },
    stage_times: function (data, node) {
      var stages = data.stages.filter(function (s) { return s.count > 0; });
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "value" },
        yAxis: { type: "category", inverse: true, data: stages.map(function (s) { return s.label; }) },
        series: [
          { name: node.getAttribute("data-label-median") || "P50", type: "bar",
            data: stages.map(function (s) {
              return { value: s.median, itemStyle: s.slowest ? { color: "#dc3545" } : undefined };
            }) },
          { name: node.getAttribute("data-label-p80") || "P80", type: "bar", data: stages.map(function (s) { return s.p80; }) }
        ]
      };
    },
    stage_trend: function (data) {
      var stages = data.stages.filter(function (s) { return s.count > 0; });
      return {
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", top: 0 },
        grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value" },
        series: stages.map(function (s) {
          return { name: s.label, type: "line", connectNulls: true,
                   data: s.months.map(function (m) { return m.count ? m.median : null; }) };
        })
      };
    },
    reps_trend: function (data) {
      return {
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", top: 0 },
        grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", max: 100 },
        series: data.trend.map(function (t) {
          return { name: t.name, type: "line", connectNulls: true,
                   lineStyle: t.id === null ? { width: 3 } : undefined,
                   data: t.months.map(function (m) { return m.win_rate; }) };
        })
      };
    },
    collections: function (data) {
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.collections.map(function (m) { return m.month; }) },
        yAxis: { type: "value" },
        series: [{ type: "bar", name: data.currency, barMaxWidth: 36,
                   data: data.collections.map(function (m) { return num(m.amount); }) }]
      };
    },
    aging: function (data) {
      var colors = ["#198754", "#ffc107", "#fd7e14", "#dc3545", "#842029"];
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.aging.map(function (b) { return b.label; }) },
        yAxis: { type: "value" },
        series: [{ type: "bar", name: data.currency, barMaxWidth: 48,
                   data: data.aging.map(function (b, i) { return { value: num(b.amount), itemStyle: { color: colors[i] } }; }) }]
      };
    },
    clv: function (data) {
      return {
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", top: 0 },
        grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value" },
        series: data.top.map(function (a) {
          return { name: a.name, type: "line", data: a.cumulative.map(num) };
        })
      };
    },
    reps: function (data) {
      var reps = data.reps;
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 56, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: "value", max: 100 },
        yAxis: { type: "category", inverse: true, data: reps.map(function (r) { return r.name; }) },
        series: [{ type: "bar", name: "%", barMaxWidth: 28, data: reps.map(function (r) { return num(r.win_rate); }),
                   label: { show: true, position: "right", formatter: "{c} %" } }]
      };
    }
  };

  function draw() {
    if (!window.echarts) { return; }
    var lang = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
    document.querySelectorAll(".ltc-chart[data-chart]").forEach(function (node) {
      var data = read(node.getAttribute("data-source"));
      var build = builders[node.getAttribute("data-chart")];
      if (!data || !build) { return; }
      var chart = window.echarts.init(node, null, { renderer: "svg", locale: lang });
      chart.setOption(build(data, node));
      node.setAttribute("data-drawn", "true");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
