/**
 * The page's link to VS Code: messages to the host, and the view state VS Code keeps with the panel
 * (`getState` / `setState`; the host's serializer restores a panel from it after a window reload).
 */
import { defaultDashboardState, parseDashboardState, type DashboardState, type WebviewToHost } from './protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** The run ids the host wrote into the page: a reload before the first `init` still restores them. */
function runIdsFromPage(): string[] {
  try {
    const ids = JSON.parse(document.body.dataset.runIds ?? '[]') as unknown;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

export class HostLink {
  private readonly vscode = acquireVsCodeApi();
  /** The user's view settings; changed in place, then saved. */
  readonly state: DashboardState;

  constructor() {
    this.state = parseDashboardState(this.vscode.getState()) ?? defaultDashboardState(runIdsFromPage());
    // Saved at once, so a window reload within the first second (before `init`) restores this panel.
    this.vscode.setState(this.state);
  }

  post(message: WebviewToHost): void {
    this.vscode.postMessage(message);
  }

  /** Saves the view state, with the runs the panel shows now. */
  saveState(runIds: Iterable<string>): void {
    this.state.runIds = [...runIds];
    this.vscode.setState(this.state);
  }
}
