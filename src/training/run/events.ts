/**
 * The one way a writer makes an event record: the trainer (weighting strategies' events go through it) and the
 * run (backend chosen, started, resumed, stopped, completed, failed). Its code is one of EVENT_CODES.
 */
import type { EventCode, EventRecord } from './records';

/** An event at `step`, stamped now; `data` only when given (the line in metrics.jsonl has no `data` key otherwise). */
export function eventRecord(step: number, level: EventRecord['level'], code: EventCode, message: string, data?: unknown): EventRecord {
  const record: EventRecord = { kind: 'event', step, time: Date.now(), level, code, message };
  if (data !== undefined) record.data = data;
  return record;
}
