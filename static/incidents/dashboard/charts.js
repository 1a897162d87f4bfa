/* What the page's two charts (timeline.js, series.js) share. */

import { numberFormat } from "../lib/format.js";

export const countTicks = { precision: 0, callback: (v) => numberFormat.format(v) };

/** Options both charts on the page share; `extra` adds to them. */
export function chartOptions({ tooltipCallbacks, ...extra }) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    ...extra,
    plugins: {
      legend: { position: "bottom", labels: { boxWidth: 12 } },
      tooltip: {
        callbacks: {
          label: (item) => `${item.dataset.label}: ${numberFormat.format(item.raw)}`,
          ...tooltipCallbacks,
        },
      },
    },
  };
}

/** Draw `chartData` on the chart, making it the first time. */
export function drawChart(chart, canvas, type, chartData, options) {
  if (chart) {
    chart.data = chartData;
    chart.update();
    return chart;
  }
  return new Chart(canvas, { type, data: chartData, options });
}
