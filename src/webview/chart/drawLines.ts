/**
 * Draws the series straight from their points: one path per line (and one filled polygon per stacked
 * layer). Chart.js's own line datasets would make, position, style and hit-test an element per point,
 * which is most of a chart's cost with hundreds of series points and no point markers to show.
 */
import type { Chart } from 'chart.js';
import type { SeriesLine } from './types';

/** Runs as a Chart.js plugin hook, between the grid and the axes' labels. */
export function drawLines(chart: Chart, lines: readonly SeriesLine[]): void {
  const { ctx, chartArea: area } = chart;
  const xScale = chart.scales.x;
  const yScale = chart.scales.y;
  ctx.save();
  ctx.beginPath();
  ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
  ctx.clip();
  ctx.lineJoin = 'round';
  const px = (l: SeriesLine, i: number) => xScale.getPixelForValue(l.x[i]);
  const py = (l: SeriesLine, i: number) => yScale.getPixelForValue(l.y[i]);
  for (const l of lines) {
    if (!l.band || l.x.length < 2) continue;
    // A seed group's band: along the upper edge, back along the lower one.
    const { lo, hi, fill } = l.band;
    ctx.beginPath();
    for (let i = 0; i < l.x.length; i++) ctx.lineTo(px(l, i), yScale.getPixelForValue(hi[i]));
    for (let i = l.x.length - 1; i >= 0; i--) ctx.lineTo(px(l, i), yScale.getPixelForValue(lo[i]));
    ctx.closePath();
    ctx.fillStyle = fill;
    ctx.fill();
  }
  lines.forEach((l, k) => {
    if (l.fill === undefined || l.x.length === 0) return;
    // The area between this layer's line and the one below (or the zero line).
    const below = k > 0 ? lines[k - 1] : undefined;
    ctx.beginPath();
    ctx.moveTo(px(l, 0), py(l, 0));
    for (let i = 1; i < l.x.length; i++) ctx.lineTo(px(l, i), py(l, i));
    if (below) for (let i = below.x.length - 1; i >= 0; i--) ctx.lineTo(px(below, i), py(below, i));
    else {
      const zero = yScale.getPixelForValue(0);
      ctx.lineTo(px(l, l.x.length - 1), zero);
      ctx.lineTo(px(l, 0), zero);
    }
    ctx.closePath();
    ctx.fillStyle = l.fill;
    ctx.fill();
  });
  for (const l of lines) {
    ctx.strokeStyle = l.color;
    ctx.fillStyle = l.color;
    ctx.lineWidth = l.width;
    ctx.setLineDash(l.dash);
    ctx.beginPath();
    if (l.x.length === 1) {
      ctx.arc(px(l, 0), py(l, 0), 3, 0, 2 * Math.PI);
      ctx.fill();
      continue;
    }
    for (let i = 0; i < l.x.length; i++) {
      if (i === 0) ctx.moveTo(px(l, i), py(l, i));
      else ctx.lineTo(px(l, i), py(l, i));
    }
    ctx.stroke();
  }
  ctx.restore();
}
