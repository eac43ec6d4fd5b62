/**
 * Job states from `squeue`: `--json` where the installed Slurm has it (22.05 and later; its schema moves between
 * versions, so only a few long-lived fields are read), the text format otherwise. Accounting (sacct) is often off
 * or slow; squeue with `--states=all` still lists jobs that ended within the controller's MinJobAge.
 */
export interface SlurmJobState {
  /** The array's job id, or the job's own id for a job that is not an array. */
  jobId: string;
  /** The array task, or null for a job that is not an array. */
  arrayTaskId: number | null;
  /** Slurm's state name, e.g. PENDING, RUNNING, TIMEOUT, OUT_OF_MEMORY. */
  state: string;
  /** Why it is pending or ended, e.g. Resources, Priority, BeginTime; "None" becomes undefined. */
  reason?: string;
  /** How often Slurm requeued it (JSON only). */
  restarts?: number;
}

/** The squeue arguments for the text format parsed by parseSqueueText (one line per array task). */
export const SQUEUE_TEXT_ARGS = ['--array', '--states=all', '--noheader', '--format=%F|%K|%i|%T|%r'];
export const SQUEUE_JSON_ARGS = ['--json', '--states=all'];

/** `2-3`, `0,4-6`, `0-7%2` (the throttle) → the task ids. */
export function expandTaskRange(range: string): number[] {
  const ids: number[] = [];
  for (const part of range.split('%')[0].split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const [from, to, step] = [Number(m[1]), Number(m[2] ?? m[1]), Number(m[3] ?? 1)];
    for (let i = from; i <= to; i += step) ids.push(i);
  }
  return ids;
}

const reasonOf = (reason: unknown) => (typeof reason === 'string' && reason !== '' && reason !== 'None' ? reason : undefined);

interface JsonJob {
  job_id?: unknown;
  array_job_id?: unknown;
  array_task_id?: unknown;
  array_task_string?: unknown;
  job_state?: unknown;
  state_reason?: unknown;
  restart_cnt?: unknown;
}

/** A number field, which newer versions wrap as `{ set, infinite, number }`. */
function numberField(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && (value as { set?: unknown }).set !== false && typeof (value as { number?: unknown }).number === 'number') return (value as { number: number }).number;
  return undefined;
}

/** The job state, which newer versions give as a list of flags (`["PENDING"]`). */
function stateField(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

export function parseSqueueJson(text: string): SlurmJobState[] {
  const data = JSON.parse(text) as { jobs?: JsonJob[] };
  if (!Array.isArray(data.jobs)) throw new Error('squeue --json: no "jobs" list');
  const out: SlurmJobState[] = [];
  for (const job of data.jobs) {
    const state = stateField(job.job_state);
    const id = numberField(job.job_id);
    if (!state || id === undefined) continue;
    const arrayJob = numberField(job.array_job_id);
    const common = { state, reason: reasonOf(job.state_reason), restarts: numberField(job.restart_cnt) };
    if (!arrayJob) {
      out.push({ jobId: String(id), arrayTaskId: null, ...common });
      continue;
    }
    const task = numberField(job.array_task_id);
    // Pending tasks of an array not yet split off share one record: its tasks are in array_task_string.
    const tasks = task !== undefined ? [task] : typeof job.array_task_string === 'string' ? expandTaskRange(job.array_task_string) : [];
    for (const t of tasks) out.push({ jobId: String(arrayJob), arrayTaskId: t, ...common });
  }
  return out;
}

/** Lines of `squeue` with SQUEUE_TEXT_ARGS: `arrayJobId|arrayTaskId|jobId|STATE|reason`. */
export function parseSqueueText(text: string): SlurmJobState[] {
  const out: SlurmJobState[] = [];
  for (const line of text.split('\n')) {
    const [arrayJob, task, id, state, reason] = line.trim().split('|');
    if (!state) continue;
    const isArray = /^\d+$/.test(task ?? '');
    out.push({ jobId: isArray ? arrayJob : id, arrayTaskId: isArray ? Number(task) : null, state, reason: reasonOf(reason) });
  }
  return out;
}

/** The key of a job state: `jobId` or `jobId_task`. */
export const jobKey = (jobId: string, arrayTaskId: number | null) => (arrayTaskId === null ? jobId : `${jobId}_${arrayTaskId}`);
