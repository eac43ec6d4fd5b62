/** What a line chart is given to draw, and how it draws it. */
import type { Points, XAxisMode } from '../protocol';
import type { ThemeColors } from '../theme';

export interface ChartSeries {
  /** Unique within the chart, e.g. "run-1:loss/a". */
  id: string;
  label: string;
  runId: string;
  color: string;
  points: Points;
  dashed?: boolean;
  /** A seed group's band around `points` (its mean), aligned with the points (see data/groupBands.ts). */
  band?: { lo: number[]; hi: number[] };
}

export interface ViewOptions {
  smoothing: number;
  logScale: boolean;
  xAxis: XAxisMode;
  ignoreOutliers: boolean;
  origins: ReadonlyMap<string, number>;
  theme: ThemeColors;
}

/** One drawn line: its points after smoothing and decimation, and how it is stroked. */
export interface SeriesLine {
  label: string;
  color: string;
  width: number;
  dash: number[];
  /** The faint unsmoothed companion of a smoothed line: drawn, but not in the tooltip. */
  raw: boolean;
  x: number[];
  /** Where it is drawn: the value, or for a stacked layer the running total. */
  y: number[];
  /** A stacked layer's own values. */
  v?: number[];
  /** A stacked layer's area colour. */
  fill?: string;
  /** A seed group's band, at the same x as the line, and its colour. */
  band?: { lo: number[]; hi: number[]; fill: string };
}

/** A zoomed x range. */
export interface XRange {
  min: number;
  max: number;
}

export interface DrawnDataset {
  label: string;
  color: string;
  x: number[];
  y: number[];
  band?: { lo: number[]; hi: number[] };
}
