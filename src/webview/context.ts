/** What the dashboard's cards and controls share: the data, the view settings, the host, and redrawing. */
import type { DashboardModel } from './model';
import type { DashboardState, RunView, WebviewToHost } from './protocol';
import type { RunChoices } from './chartSpecs';
import type { ThemeColors } from './theme';
import type { ViewOptions } from './chart/types';

export interface DashboardContext {
  readonly model: DashboardModel;
  /** The persisted view settings (saveState after a change). */
  readonly state: DashboardState;
  readonly choices: RunChoices;
  post(message: WebviewToHost): void;
  saveState(): void;
  /** The theme as last read (redrawAll reads it again). */
  theme(): ThemeColors;
  /** The runs not hidden in the run list. */
  visibleRuns(): RunView[];
  viewOptions(): ViewOptions;
  /** Reads the theme again and redraws every chart, heatmap and text card (a view setting changed). */
  redrawAll(): void;
}
