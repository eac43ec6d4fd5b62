/**
 * Contract: the worker protocol (extension host ⇄ training worker over Node IPC).
 *
 * The host forks `dist/worker.js` with an IPC channel and sends one `start` (or `probe`). Files remain
 * the truth; IPC only adds liveness. A host that disappears (window reload) loses nothing: the worker
 * keeps training and writing its run directory, and the host re-attaches by reading it.
 * Both sides validate what they receive with `parseHostMessage` / `parseWorkerMessage`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Check } from '@sinclair/typebox/value';
import { MetricRecordSchema, RunInfoSchema, RunMarksSchema } from './run/records';

/** 2: `records` carry each record's end offset in metrics.jsonl. */
export const PROTOCOL_VERSION = 2;

export const StartRequestSchema = Type.Object({
  /** Absolute path of the `*.mtl.json` to run (ignored when resuming). */
  configPath: Type.Optional(Type.String()),
  /** Directory that holds run directories. */
  runsDir: Type.String(),
  /** `path=value` overrides, as `--set`. */
  overrides: Type.Array(Type.String()),
  /** Backend forced by the host (setting `mtlLab.backend`), overriding the config's. */
  backend: Type.Optional(Type.String()),
  /** Resume this stopped run directory instead of starting a new run. */
  resumeDir: Type.Optional(Type.String()),
  /** Extra directories in which to look for the native tfjs-node(-gpu) packages. */
  modulePaths: Type.Optional(Type.Array(Type.String())),
  /** The interpreter for a "program" experiment whose command starts with python / python3. */
  python: Type.Optional(Type.String()),
  /** A study's marks for the new run's run.json (baseline, baselines). */
  marks: Type.Optional(RunMarksSchema),
});
export type StartRequest = Static<typeof StartRequestSchema>;

export const HostMessageSchema = Type.Union([
  Type.Object({ type: Type.Literal('start'), protocol: Type.Literal(PROTOCOL_VERSION), request: StartRequestSchema }),
  Type.Object({ type: Type.Literal('stop'), protocol: Type.Literal(PROTOCOL_VERSION) }),
  Type.Object({ type: Type.Literal('probe'), protocol: Type.Literal(PROTOCOL_VERSION), modulePaths: Type.Optional(Type.Array(Type.String())) }),
]);
export type HostMessage = Static<typeof HostMessageSchema>;

export const BackendProbeSchema = Type.Object({
  name: Type.String(),
  available: Type.Boolean(),
  /** Why it cannot load ("module not installed", "libcudart.so.11.0 not found"), or what it is. */
  detail: Type.String(),
});
export type BackendProbe = Static<typeof BackendProbeSchema>;

export const WorkerMessageSchema = Type.Union([
  /** The run directory exists and run.json says running. */
  Type.Object({ type: Type.Literal('started'), runId: Type.String(), runDir: Type.String(), info: RunInfoSchema }),
  /** Records in the order they were appended to metrics.jsonl, batched, with where each ends in the file. */
  Type.Object({ type: Type.Literal('records'), runId: Type.String(), records: Type.Array(MetricRecordSchema), offsets: Type.Array(Type.Integer({ minimum: 1 })) }),
  /** run.json changed status (final statuses are sent just before the worker exits). */
  Type.Object({ type: Type.Literal('status'), runId: Type.String(), info: RunInfoSchema }),
  /** The request could not be started (bad config, missing run directory). Nothing was written. */
  Type.Object({ type: Type.Literal('rejected'), message: Type.String(), exitCode: Type.Integer() }),
  Type.Object({ type: Type.Literal('probe-result'), backends: Type.Array(BackendProbeSchema) }),
]);
export type WorkerMessage = Static<typeof WorkerMessageSchema>;

export function parseHostMessage(value: unknown): HostMessage | undefined {
  return Check(HostMessageSchema, value) ? value : undefined;
}

export function parseWorkerMessage(value: unknown): WorkerMessage | undefined {
  return Check(WorkerMessageSchema, value) ? value : undefined;
}
