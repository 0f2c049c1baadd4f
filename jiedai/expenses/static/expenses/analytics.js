// The finance analytics' charts (policy 5.3.2), drawn with the self-hosted ECharts from the figures the page
// writes into <script type="application/json" id="analytics-charts"> (the CSP forbids inline scripts). The
// tables under the charts carry the same numbers; the charts are only for looking. Tooltips are drawn on the
// canvas (renderMode "richText"): ECharts' HTML tooltips use inline style attributes, which the CSP refuses.
(function () {
  "use strict";

  var source = document.getElementById("analytics-charts");
  if (!source || !window.echarts) { return; }
  var figures = JSON.parse(source.textContent);
  var labels = figures.labels;
  var BUDGET = "#9db4d6", ACTUAL = "#1f4e8c", ACCENT = "#e8a33d";
  var charts = [];

  function amount(value) { return value === null || value === undefined ? null : parseFloat(value); }

  function money(value) {
    if (value === null || value === undefined || isNaN(value)) { return "—"; }
    return "¥" + Number(value).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function short(value) {
    // axis labels: ¥12.3万 reads better than ¥123,456.00 on a phone
    if (Math.abs(value) >= 10000) { return "¥" + (value / 10000).toFixed(1).replace(/\.0$/, "") + "万"; }
    return "¥" + value;
  }

  function empty(rows) {
    return !rows.length || rows.every(function (row) { return !amount(row[1]) && !amount(row[2]); });
  }

  function base(rows) {
    return {
      color: [BUDGET, ACTUAL, ACCENT],
      animation: false,
      textStyle: { fontFamily: "system-ui, -apple-system, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
      tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: money, confine: true },
      legend: { top: 0, itemWidth: 14, itemHeight: 10 },
      title: empty(rows) ? { text: labels.empty, left: "center", top: "middle", textStyle: { color: "#6c757d", fontSize: 14, fontWeight: "normal" } } : undefined,
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true }
    };
  }

  function mount(name, option) {
    var element = document.querySelector('[data-chart="' + name + '"]');
    if (!element) { return; }
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
  }

  // 支出趋势: budget (line) and actual (bars) per period
  var trend = figures.trend;
  mount("trend", Object.assign(base(trend), {
    xAxis: { type: "category", data: trend.map(function (r) { return r[0]; }), axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", axisLabel: { formatter: short } },
    dataZoom: trend.length > 18 ? [{ type: "inside" }] : [],
    series: [
      { name: labels.budget, type: "line", symbolSize: 5, data: trend.map(function (r) { return amount(r[1]); }) },
      { name: labels.actual, type: "bar", barMaxWidth: 28, data: trend.map(function (r) { return amount(r[2]); }) }
    ]
  }));

  // 费用类别构成: each category's share of the actual
  var categories = figures.categories;
  var pie = base(categories);
  pie.tooltip = { trigger: "item", renderMode: "richText", valueFormatter: money, confine: true };
  pie.legend = { bottom: 0, type: "scroll" };
  pie.series = [{
    name: labels.actual,
    type: "pie",
    radius: ["38%", "68%"],
    center: ["50%", "45%"],
    label: { formatter: "{b}\n{d}%" },
    color: ["#1f4e8c", "#3a78c2", "#6fa3dc", "#e8a33d", "#5aa469", "#b0587d", "#8a8f98", "#c4b454"],
    data: categories.filter(function (r) { return amount(r[2]) > 0; }).map(function (r) { return { name: r[0], value: amount(r[2]) }; })
  }];
  mount("categories", pie);

  // 各部门预算与实际: horizontal bars, budget next to actual
  var departments = figures.departments.slice().reverse();  // the biggest spender on top
  mount("departments", Object.assign(base(departments), {
    xAxis: { type: "value", axisLabel: { formatter: short, hideOverlap: true } },
    yAxis: { type: "category", data: departments.map(function (r) { return r[0]; }), axisLabel: { width: 96, overflow: "truncate" } },
    series: [
      { name: labels.budget, type: "bar", barMaxWidth: 16, data: departments.map(function (r) { return amount(r[1]); }) },
      { name: labels.actual, type: "bar", barMaxWidth: 16, data: departments.map(function (r) { return amount(r[2]); }) }
    ]
  }));

  // 重要程度与人均费用: cost per visitor and per visitor-day by importance
  var importance = figures.importance;
  mount("importance", Object.assign(base(importance), {
    color: [ACTUAL, ACCENT],
    xAxis: { type: "category", data: importance.map(function (r) { return r[0]; }) },
    yAxis: { type: "value", axisLabel: { formatter: short } },
    series: [
      { name: labels.per_visitor, type: "bar", barMaxWidth: 28, data: importance.map(function (r) { return amount(r[1]); }) },
      { name: labels.per_visitor_day, type: "bar", barMaxWidth: 28, data: importance.map(function (r) { return amount(r[2]); }) }
    ]
  }));

  // Phones turn and windows resize: charts follow their boxes.
  function resize() { charts.forEach(function (chart) { chart.resize(); }); }
  if (window.ResizeObserver) {
    var observer = new window.ResizeObserver(resize);
    document.querySelectorAll("[data-chart]").forEach(function (element) { observer.observe(element); });
  } else {
    window.addEventListener("resize", resize);
  }
})();
