/**
 * `MTL Lab: New Experiment`: the choices of the quick-pick flow, tasks inferred from a CSV, and the
 * commented `*.mtl.json` text it writes. The architecture and weighting choices, and each method's keys
 * and defaults in the file, come from the method descriptors (training/config/method.ts). No `vscode`
 * import; every template is checked against the config parser in the unit tests.
 */
import { METHODS } from '../../training/config/catalog';
import { fillDefaults } from '../../training/config/defaults';
import { citation, type MethodCatalog, type MethodDescriptor } from '../../training/config/method';
import { schemaFor, type Architecture, type Weighting } from '../../training/config/schema';
import { pruneInapplicable } from '../../training/config/semantics';
import { parseCsvRecords } from '../../training/data/csv';
import { isMissing } from '../../training/data/table';
import { printJsonc, type JsoncComment } from './printJsonc';

export type DataChoice =
  | { kind: 'synthetic' }
  | { kind: 'random' }
  /** `path` relative to the new config file; `tasks` from the chosen target columns. */
  | { kind: 'csv'; path: string; tasks: InferredTask[] };

export interface InferredTask {
  column: string;
  name: string;
  type: 'classification' | 'regression';
  /** Distinct labels seen (classification), for the comment. */
  classes?: number;
}

export interface NewExperimentChoices {
  name: string;
  data: DataChoice;
  architecture: Architecture;
  weighting: Weighting;
}

export const DATA_CHOICES = [
  { id: 'synthetic', label: 'Synthetic (learnable)', detail: 'Two related tasks from the MMoE generator (correlation ρ = 0.8): one regression, one 10-class classification.' },
  { id: 'csv', label: 'CSV file from the workspace', detail: 'Pick a CSV, then the columns to predict; the tasks are inferred from the header and values.' },
  { id: 'random', label: 'The article\'s random data', detail: '100 random inputs, random labels of 10 and 20 classes, drawn fresh each epoch (nothing to learn; for speed and weighting studies).' },
] as const;

/** A method as a quick-pick item: its name, and what it does (with its paper). */
export function methodChoices<M extends MethodDescriptor>(methods: readonly M[]): { id: M['id']; label: string; detail: string }[] {
  return methods.map((m) => ({ id: m.id, label: m.label, detail: m.paper ? `${m.description} (${citation(m.paper)})` : m.description }));
}

/** The architectures for the data New Experiment offers (feature vectors; a text architecture needs data.text, which it does not write yet). */
export const ARCHITECTURE_CHOICES = methodChoices(METHODS.architectures.filter((m) => m.inputs !== 'tokens'));
export const WEIGHTING_CHOICES = methodChoices(METHODS.weightings);

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Why a name is not usable as an experiment or task name, or undefined when it is. */
export function validateName(name: string): string | undefined {
  if (name.length === 0) return 'Enter a name.';
  if (name.length > 64) return 'At most 64 characters.';
  if (!NAME_PATTERN.test(name)) return 'Letters, digits, ".", "_" and "-" only, starting with a letter or digit.';
  return undefined;
}

/** A column header turned into a valid task name ("Income (net)" → "Income-net"). */
export function taskNameFor(column: string, taken: Set<string>): string {
  let base = column.trim().replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').replace(/-+$/, '').slice(0, 60);
  if (base === '') base = 'task';
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  taken.add(name);
  return name;
}

/** Classification when every label is a short non-numeric string or a small integer set; regression otherwise. */
export function inferTaskType(values: readonly string[]): { type: 'classification' | 'regression'; classes: number } {
  const present = values.filter((v) => !isMissing(v)).map((v) => v.trim());
  const distinct = new Set(present);
  const numeric = present.every((v) => v !== '' && Number.isFinite(Number(v)));
  if (!numeric) return { type: 'classification', classes: distinct.size };
  const integers = present.every((v) => Number.isInteger(Number(v)));
  // Integer labels with few distinct values are classes (0/1, 1..5 ratings); anything else is a quantity.
  if (integers && distinct.size >= 2 && distinct.size <= Math.max(2, Math.min(20, Math.ceil(present.length / 5)))) return { type: 'classification', classes: distinct.size };
  return { type: 'regression', classes: distinct.size };
}

export interface CsvPreview {
  header: string[];
  /** Sample values per column (from the first rows). */
  columns: Map<string, string[]>;
}

/** Header and sample values from the beginning of a CSV (only complete lines are used). */
export function previewCsv(head: string, file: string): CsvPreview {
  const cut = head.lastIndexOf('\n');
  const text = cut >= 0 ? head.slice(0, cut + 1) : head;
  const { records } = parseCsvRecords(text, file);
  const header = (records[0] ?? []).map((h) => h.trim());
  const columns = new Map<string, string[]>(header.map((h) => [h, []]));
  for (const row of records.slice(1, 1001)) header.forEach((h, i) => columns.get(h)!.push(row[i] ?? ''));
  return { header, columns };
}

export function inferTasks(preview: CsvPreview, targets: readonly string[]): InferredTask[] {
  const taken = new Set<string>();
  return targets.map((column) => {
    const inferred = inferTaskType(preview.columns.get(column) ?? []);
    return { column, name: taskNameFor(column, taken), type: inferred.type, classes: inferred.type === 'classification' ? inferred.classes : undefined };
  });
}

// ---------------------------------------------------------------------------------------------------
// The file

const HEADER = ['MTL Lab experiment. Hover a key for its documentation; Ctrl+Space lists the others.', 'Start it with ▶ (editor title), the CodeLens above, or "MTL Lab: Start Run".'];

/** What the choices say about data and tasks, before defaults; with the comments that explain them. */
function dataAndTasks(data: DataChoice): { written: Record<string, unknown>; taskNames: string[]; comments: JsoncComment[] } {
  if (data.kind === 'csv') {
    return {
      written: { data: { source: 'csv', path: data.path }, tasks: data.tasks.map((t) => ({ name: t.name, type: t.type, target: t.column })) },
      taskNames: data.tasks.map((t) => t.name),
      comments: [
        { path: ['data', 'path'], lines: ['Relative to this file.'] },
        { path: ['data', 'features'], lines: ['Every column that is no task\'s target; categorical columns are one-hot encoded.'] },
        ...data.tasks.map((t, i) => ({ path: ['tasks', i], lines: [t.type === 'classification' ? `${t.name}: ${t.classes ?? '?'} classes seen; inferred from the data` : `${t.name}: numeric, inferred as regression`] })),
      ],
    };
  }
  if (data.kind === 'random') {
    return {
      // The article's model: 50 hidden units.
      written: { data: { source: 'synthetic', generator: 'random' }, tasks: [{ name: 'task1', type: 'classification', classes: 10 }, { name: 'task2', type: 'classification', classes: 20 }], model: { sharedUnits: [50] } },
      taskNames: ['task1', 'task2'],
      comments: [{ path: ['data', 'generator'], lines: ['The article\'s data: random inputs and labels, drawn fresh each epoch. Nothing is learnable.'] }],
    };
  }
  return {
    written: { data: { source: 'synthetic', generator: 'mmoe' }, tasks: [{ name: 'task1', type: 'regression' }, { name: 'task2', type: 'classification', classes: 10 }] },
    taskNames: ['task1', 'task2'],
    comments: [
      { path: ['data', 'generator'], lines: ['Tasks with controlled relatedness: correlation ρ of their linear parts (1 = identical).'] },
      { path: ['tasks', 1], lines: ['task2: labels bucketed by quantile'] },
    ],
  };
}

const GENERAL_COMMENTS: JsoncComment[] = [
  { path: ['optimizer'], lines: ['clipNorm: global-norm gradient clipping (null = off).'] },
  { path: ['training', 'sampling'], lines: ['How batches are drawn when tasks have different label counts.'] },
  { path: ['training', 'conflictEvery'], lines: ['Every N steps, log the cosine between the tasks\' gradients (0 = off; costs extra backward passes).'] },
  { path: ['training', 'onNonFinite'], lines: ['A NaN or infinite loss or gradient fails the run ("fail") or skips the batch ("skip-batch").'] },
  { path: ['backend'], lines: ['"auto" picks the fastest backend that loads: tensorflow-gpu, tensorflow, wasm, cpu.'] },
];

function chosen<M extends MethodDescriptor>(methods: readonly M[], id: string): M {
  const method = methods.find((m) => m.id === id);
  if (!method) throw new Error(`no method ${JSON.stringify(id)}`);
  return method;
}

/**
 * The new file's config: what the choices say (and the values the chosen methods suggest), completed with
 * every default that applies — the same resolution a run does — and the comments that go with it.
 */
export function templateConfig(choices: NewExperimentChoices, catalog: MethodCatalog = METHODS): { config: Record<string, unknown>; comments: JsoncComment[] } {
  const architecture = chosen(catalog.architectures, choices.architecture);
  const weighting = chosen(catalog.weightings, choices.weighting);
  const { written, taskNames, comments } = dataAndTasks(choices.data);
  const config = fillDefaults(schemaFor(catalog), {
    name: choices.name,
    ...written,
    model: { ...(written.model as object), architecture: architecture.id, ...architecture.newExperiment?.values?.(taskNames) },
    loss: { weighting: weighting.id, ...weighting.newExperiment?.values?.(taskNames) },
  }) as Record<string, unknown>;
  pruneInapplicable(config, catalog);
  const notes = [
    { path: ['model', 'architecture'], lines: architecture.newExperiment?.note ?? [] },
    { path: ['loss', 'weighting'], lines: weighting.newExperiment?.note ?? [] },
  ].filter((note) => note.lines.length > 0);
  return { config, comments: [...comments, ...notes, ...GENERAL_COMMENTS] };
}

/** The commented `*.mtl.json` that New Experiment writes. */
export function experimentTemplate(choices: NewExperimentChoices, catalog: MethodCatalog = METHODS): string {
  const { config, comments } = templateConfig(choices, catalog);
  return printJsonc(config, comments, HEADER);
}

/** `<name>.mtl.json`, or `<name>-2.mtl.json`... when taken. */
export function experimentFileName(name: string, exists: (fileName: string) => boolean): string {
  let fileName = `${name}.mtl.json`;
  for (let n = 2; exists(fileName); n++) fileName = `${name}-${n}.mtl.json`;
  return fileName;
}
