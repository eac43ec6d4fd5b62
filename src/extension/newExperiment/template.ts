/**
 * `MTL Lab: New Experiment`: the choices of the quick-pick flow, tasks inferred from a CSV, and the
 * commented `*.mtl.json` text it writes. No `vscode` import; every template is checked against the
 * config parser in the unit tests.
 */
import type { Architecture, Weighting } from '../../training/config/schema';
import { parseCsvRecords } from '../../training/data/csv';
import { isMissing } from '../../training/data/table';

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

export const ARCHITECTURE_CHOICES: { id: Architecture; label: string; detail: string }[] = [
  { id: 'hard', label: 'Hard parameter sharing', detail: 'A shared trunk and one head per task.' },
  { id: 'soft', label: 'Soft sharing with attention', detail: 'One tower per task, mixed by learned attention.' },
  { id: 'routing', label: 'Routing (multi-gate mixture of experts)', detail: 'Shared experts with one softmax gate per task.' },
  { id: 'cross-stitch', label: 'Cross-stitch', detail: 'One tower per task, mixed after every layer by a learned matrix.' },
];

export const WEIGHTING_CHOICES: { id: Weighting; label: string; detail: string }[] = [
  { id: 'equal', label: 'Equal', detail: 'Σ L_i' },
  { id: 'static', label: 'Static', detail: 'Σ w_i L_i with fixed weights' },
  { id: 'uncertainty', label: 'Uncertainty', detail: 'Learned homoscedastic uncertainty (Kendall et al. 2018)' },
  { id: 'dwa', label: 'Dynamic weight average', detail: 'Weights from the rate of loss decrease (Liu et al. 2019)' },
  { id: 'rlw', label: 'Random loss weighting', detail: 'Random weights every step' },
  { id: 'softmax', label: 'Learned softmax weights', detail: 'The article\'s method; collapses without its remedies' },
  { id: 'gradnorm', label: 'GradNorm', detail: 'Balances gradient norms on the last shared layer against training rates (Chen et al. 2018)' },
  { id: 'pcgrad', label: 'PCGrad', detail: 'Projects away conflicting task gradients (Yu et al. 2020)' },
  { id: 'mgda', label: 'MGDA', detail: 'Minimum-norm combination of the task gradients (Sener & Koltun 2018)' },
  { id: 'cagrad', label: 'CAGrad', detail: 'Best worst-case improvement near the mean gradient (Liu et al. 2021)' },
];

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

const ARCHITECTURE_LINES: Record<Architecture, string[]> = {
  hard: [
    '    // A shared trunk (sharedUnits) and one head per task (taskUnits).',
    '    "architecture": "hard",',
  ],
  soft: [
    '    // One tower per task (each with the layers sharedUnits), mixed by attention.',
    '    // "scalar" is the article\'s model; "mixture" lets each task attend over all towers.',
    '    "architecture": "soft",',
    '    "attention": "scalar",',
  ],
  routing: [
    '    // Multi-gate mixture of experts: shared experts, one softmax gate per task, then towers.',
    '    "architecture": "routing",',
    '    "experts": 4,',
    '    "expertUnits": [32],',
  ],
  'cross-stitch': [
    '    // One tower per task (each with the layers sharedUnits); after every layer a learned matrix',
    '    // mixes the towers, starting near separate towers (0.9 own, 0.1 the others).',
    '    "architecture": "cross-stitch",',
  ],
};

function lossLines(weighting: Weighting, taskNames: readonly string[]): string[] {
  const lines = ['    "weighting": "' + weighting + '"'];
  switch (weighting) {
    case 'static': {
      const weight = Number((1 / Math.max(1, taskNames.length)).toFixed(3));
      lines[0] += ',';
      lines.push('    // Fixed weight per task.', `    "weights": { ${taskNames.map((t) => `${JSON.stringify(t)}: ${weight}`).join(', ')} }`);
      break;
    }
    case 'softmax':
      lines[0] += ',';
      lines.push(
        '    // The learned softmax weights collapse onto one task without a remedy:',
        '    // an entropy bonus τ, a weight floor ε (below 1/K), or normalised losses.',
        '    "entropy": 0.01,',
        '    "floor": 0,',
        '    "normalize": "none"',
      );
      break;
    case 'dwa':
      lines[0] += ',';
      lines.push('    "temperature": 2,', '    "window": "epoch"');
      break;
    case 'gradnorm':
      lines[0] += ',';
      lines.push('    // α: how strongly a task that trains slower is pulled towards a larger gradient norm.', '    "gradnormAlpha": 1.5,', '    "gradnormLearningRate": 0.025');
      break;
    case 'cagrad':
      lines[0] += ',';
      lines.push('    // c: the radius of the ball around the mean gradient, relative to its norm.', '    "cagradAlpha": 0.5');
      break;
    default:
      break;
  }
  return lines;
}

function taskLine(task: { name: string; type: string; classes?: number; target?: string }, last: boolean, comment?: string): string {
  const parts = [`"name": ${JSON.stringify(task.name)}`, `"type": "${task.type}"`];
  if (task.classes !== undefined) parts.push(`"classes": ${task.classes}`);
  if (task.target !== undefined) parts.push(`"target": ${JSON.stringify(task.target)}`);
  return `    { ${parts.join(', ')} }${last ? '' : ','}${comment ? ` // ${comment}` : ''}`;
}

export function experimentTemplate(choices: NewExperimentChoices): string {
  const { data } = choices;
  let dataLines: string[];
  let taskLines: string[];
  let taskNames: string[];
  let hidden = 64;
  let epochs = 10;
  if (data.kind === 'csv') {
    dataLines = [
      '    "source": "csv",',
      `    // Relative to this file.`,
      `    "path": ${JSON.stringify(data.path)},`,
      '    // Every column that is no task\'s target; categorical columns are one-hot encoded.',
      '    "features": "auto",',
      '    "validationSplit": 0.2',
    ];
    taskLines = data.tasks.map((t, i) =>
      taskLine({ name: t.name, type: t.type, target: t.column }, i === data.tasks.length - 1, t.type === 'classification' ? `${t.classes ?? '?'} classes seen; inferred from the data` : 'numeric: inferred as regression'),
    );
    taskNames = data.tasks.map((t) => t.name);
  } else if (data.kind === 'random') {
    dataLines = [
      '    "source": "synthetic",',
      '    // The article\'s data: random inputs and labels, drawn fresh each epoch. Nothing is learnable.',
      '    "generator": "random",',
      '    "samples": 12000,',
      '    "inputDim": 100,',
      '    "validationSplit": 0.2',
    ];
    taskLines = [taskLine({ name: 'task1', type: 'classification', classes: 10 }, false), taskLine({ name: 'task2', type: 'classification', classes: 20 }, true)];
    taskNames = ['task1', 'task2'];
    hidden = 50;
  } else {
    dataLines = [
      '    "source": "synthetic",',
      '    // Tasks with controlled relatedness: correlation ρ of their linear parts (1 = identical).',
      '    "generator": "mmoe",',
      '    "samples": 12000,',
      '    "inputDim": 100,',
      '    "correlation": 0.8,',
      '    "validationSplit": 0.2',
    ];
    taskLines = [taskLine({ name: 'task1', type: 'regression' }, false), taskLine({ name: 'task2', type: 'classification', classes: 10 }, true, 'labels bucketed by quantile')];
    taskNames = ['task1', 'task2'];
    epochs = 10;
  }
  return [
    `// MTL Lab experiment. Hover a key for its documentation; Ctrl+Space lists the others.`,
    `// Start it with ▶ (editor title), the CodeLens above, or "MTL Lab: Start Run".`,
    '{',
    `  "name": ${JSON.stringify(choices.name)},`,
    '  "seed": 42,',
    '  "data": {',
    ...dataLines,
    '  },',
    '  "tasks": [',
    ...taskLines,
    '  ],',
    '  "model": {',
    ...ARCHITECTURE_LINES[choices.architecture],
    `    "sharedUnits": [${hidden}],`,
    '    "taskUnits": [16],',
    '    "activation": "relu",',
    '    "dropout": 0',
    '  },',
    '  "loss": {',
    ...lossLines(choices.weighting, taskNames),
    '  },',
    '  // clipNorm: global-norm gradient clipping (null = off).',
    '  "optimizer": { "name": "adam", "learningRate": 0.001, "weightDecay": 0, "clipNorm": null },',
    '  "training": {',
    `    "epochs": ${epochs},`,
    '    "batchSize": 32,',
    '    // How batches are drawn when tasks have different label counts.',
    '    "sampling": "proportional",',
    '    "logEvery": 1,',
    '    "evalEvery": 100,',
    '    // Every N steps, log the cosine between the tasks\' gradients (0 = off; costs extra backward passes).',
    '    "conflictEvery": 0,',
    '    // A NaN or infinite loss or gradient fails the run ("fail") or skips the batch ("skip-batch").',
    '    "onNonFinite": "fail"',
    '  },',
    '  // "auto" picks the fastest backend that loads: tensorflow-gpu, tensorflow, wasm, cpu.',
    '  "backend": "auto"',
    '}',
    '',
  ].join('\n');
}

/** `<name>.mtl.json`, or `<name>-2.mtl.json`... when taken. */
export function experimentFileName(name: string, exists: (fileName: string) => boolean): string {
  let fileName = `${name}.mtl.json`;
  for (let n = 2; exists(fileName); n++) fileName = `${name}-${n}.mtl.json`;
  return fileName;
}
