// Draws the charts of a ledgerbench HTML report with uPlot (inlined before this script). Everything a
// chart shows is decided in src/report/charts.ts and embedded as JSON; this script only draws it, so
// user text reaches the page through textContent (uPlot's titles and legends) and never as markup.
(() => {
  const data = JSON.parse(document.getElementById('lb-data').textContent);
  const specs = data.charts;
  const drawn = new Set();
  const plots = [];

  function markDrawn(id) {
    if (drawn.has(id)) return;
    drawn.add(id);
    if (drawn.size === specs.length) document.body.dataset.chartsReady = 'true';
  }

  function widthOf(target) {
    return Math.max(280, Math.floor(target.clientWidth) - 16);
  }

  function formatValue(spec, v) {
    if (v === null || v === undefined) return '--';
    const digits = Math.abs(v) >= 100 ? 1 : 2;
    return `${v.toFixed(digits)} ${spec.yUnit}`;
  }

  function options(spec, target) {
    const xAxis = { label: spec.xLabel };
    const xSeries = { label: spec.xLabel };
    if (spec.xTicks) {
      // Category axis (percentile names): one tick per point, named instead of numbered.
      xAxis.splits = () => spec.x;
      xAxis.values = (_u, splits) => splits.map((v) => spec.xTicks[v] ?? '');
      xSeries.value = (_u, v) => (v === null || v === undefined ? '--' : (spec.xTicks[v] ?? ''));
    }
    return {
      title: spec.title,
      width: widthOf(target),
      height: 260,
      scales: { x: { time: false } },
      axes: [xAxis, { label: spec.yLabel, size: 64 }],
      series: [
        xSeries,
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width ?? 2,
          dash: s.dash ? [6, 4] : [],
          spanGaps: false,
          points: { show: Boolean(spec.xTicks) },
          value: (_u, v) => formatValue(spec, v),
        })),
      ],
      hooks: { draw: [() => markDrawn(spec.id)] },
    };
  }

  if (specs.length === 0) document.body.dataset.chartsReady = 'true';
  for (const spec of specs) {
    const target = document.getElementById(spec.id);
    if (!target) continue;
    const plot = new uPlot(options(spec, target), [spec.x, ...spec.series.map((s) => s.values)], target);
    plots.push({ plot, target });
  }

  let pending = 0;
  window.addEventListener('resize', () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      for (const { plot, target } of plots) plot.setSize({ width: widthOf(target), height: 260 });
    });
  });
})();
