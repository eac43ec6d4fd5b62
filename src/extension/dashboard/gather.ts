/**
 * One comparison dashboard that gathers runs as they start (Start Sweep, Resume Run on several runs):
 * the first run opens it, later ones are added; once the user closed it, later runs do not reopen it.
 */
import type { DashboardHandle } from './index';

export function dashboardGatherer(open: (runIds: string[]) => DashboardHandle | undefined): (runId: string) => void {
  let dashboard: DashboardHandle | undefined;
  return (runId) => {
    if (dashboard === undefined) dashboard = open([runId]);
    else if (!dashboard.closed) dashboard.addRuns([runId]);
  };
}
