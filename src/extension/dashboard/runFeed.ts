/**
 * One run's records as a dashboard receives them: the history read from disk, then the live records, handed
 * over at a single byte offset of metrics.jsonl. Live records can arrive while the history is still being
 * read (a dashboard opened on a run that trains): they are held until the read ends, then only those past
 * the offset the read reached are taken — none lost, none twice, whatever the order of arrival. Pure (no
 * `vscode`), so the handover is tested directly and in the browser.
 */
import type { PositionedRecords } from '../../training/run/records';
import type { RecordsRead } from '../runs/metricsTail';
import type { RunSeriesStore } from './runSeries';

export class RunFeed {
  /** Offset of metrics.jsonl up to which the store holds every record; undefined while the history is read. */
  private position: number | undefined;
  private early: PositionedRecords[] = [];

  constructor(readonly store: RunSeriesStore) {}

  /** Whether the history has been read (live records go straight to the store). */
  get ready(): boolean {
    return this.position !== undefined;
  }

  /** Live records; returns whether the store received any. */
  receive(batch: PositionedRecords): boolean {
    if (this.position === undefined) {
      this.early.push(batch);
      return false;
    }
    return this.admit(batch);
  }

  /** The history read from disk (or nothing, if it could not be read): then whatever arrived live meanwhile. */
  history(read: RecordsRead): void {
    if (this.position !== undefined) throw new Error(`the history of run ${this.store.runId} was already read`);
    this.store.add(read.records);
    this.position = read.offset;
    const early = this.early;
    this.early = [];
    for (const batch of early) this.admit(batch);
  }

  private admit(batch: PositionedRecords): boolean {
    const position = this.position!;
    const first = batch.offsets.findIndex((end) => end > position);
    if (first < 0) return false;
    this.store.add(first === 0 ? batch.records : batch.records.slice(first));
    this.position = batch.offsets[batch.offsets.length - 1]!;
    return true;
  }
}
