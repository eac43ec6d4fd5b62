/**
 * What the JSON Schema cannot say: keys that only apply to one architecture, strategy, data source or
 * task type; keys required by the data source; cross-references (task names, feature columns that are
 * targets); each chosen method's own checks (its descriptor's `check`, e.g. the softmax floor below 1/K); and
 * whether the model shares what the chosen methods need (gradient methods, GradNorm, the conflict log).
 * Which keys belong to which method comes from the method descriptors of the catalog (config/method.ts).
 *
 * Synthetic data, generator "random": the article's random inputs and labels. Classification tasks
 * draw labels uniformly over their classes; regression tasks are allowed too and draw targets from
 * N(0, 1). Both need no file, so `classes` is required for every classification task on synthetic
 * data (it cannot be inferred).
 *
 * Checks look at two versions of the config: `given` (the file plus overrides, as written: to tell a
 * key the user wrote from one the defaults filled in) and `resolved` (defaults applied: the values that
 * will actually govern, e.g. architecture "hard" when `model.architecture` is absent). Both may be
 * invalid in other ways (reported by schema validation); every check tolerates that and stays quiet
 * when the values it depends on are not valid, so one mistake gives one message.
 */
import type { TSchema } from '@sinclair/typebox';
import { Errors } from '@sinclair/typebox/errors';
import { METHODS } from './catalog';
import { formatPath, type JsonPath } from './diagnostics';
import { isPlainObject, quote, valueAt, type ConfigIssue } from './issues';
import type { ConfigView, MethodCatalog, MethodDescriptor, MethodOptions, TaskView } from './method';
import { schemaFor, type ModelConfig } from './schema';
import { closestMatch } from './suggest';
import { correlationIssues } from './correlationIssues';

/** A key that only means something when another setting (its governor) has one of `values`. */
interface KeyRule {
  /** The object holding the keys: a fixed path, or every element of `tasks`. */
  holder: JsonPath | 'each task';
  keys: string[];
  /** Path of the governing setting; relative to the task for `'each task'` holders when `governorInTask`. */
  governor: JsonPath;
  governorInTask?: boolean;
  /** How the governor is named in the message: `only used by <label> "<value>"`. */
  label: string;
  values: readonly string[];
}

const FIXED_RULES: KeyRule[] = [
  { holder: ['data'], keys: ['generator', 'samples', 'inputDim', 'correlation', 'noise'], governor: ['data', 'source'], label: 'source', values: ['synthetic'] },
  { holder: ['data'], keys: ['correlation', 'noise'], governor: ['data', 'generator'], label: 'generator', values: ['mmoe'] },
  { holder: ['data'], keys: ['path', 'features', 'impute', 'text', 'tokenizer', 'dropEmptyText'], governor: ['data', 'source'], label: 'source', values: ['csv', 'jsonl'] },
  { holder: 'each task', keys: ['classes'], governor: ['type'], governorInTask: true, label: 'type', values: ['classification'] },
  { holder: 'each task', keys: ['target'], governor: ['data', 'source'], label: 'data.source', values: ['csv', 'jsonl'] },
  { holder: ['training'], keys: ['samplingTemperature'], governor: ['training', 'sampling'], label: 'sampling', values: ['temperature'] },
];

/** One rule per key that methods of a kind declare: the key is only used by the methods that declare it. */
function optionRules<M extends MethodDescriptor>(methods: readonly M[], optionsOf: (method: M) => MethodOptions | undefined, site: Omit<KeyRule, 'keys' | 'values'>): KeyRule[] {
  const users = new Map<string, string[]>();
  for (const method of methods) for (const key of Object.keys(optionsOf(method) ?? {})) users.set(key, [...(users.get(key) ?? []), method.id]);
  return [...users].map(([key, values]) => ({ ...site, keys: [key], values }));
}

const rulesByCatalog = new WeakMap<MethodCatalog, KeyRule[]>();

function keyRules(catalog: MethodCatalog): KeyRule[] {
  let rules = rulesByCatalog.get(catalog);
  if (!rules) {
    rules = [
      ...FIXED_RULES,
      ...optionRules(catalog.weightings, (m) => m.taskOptions, { holder: 'each task', governor: ['loss', 'weighting'], label: 'loss.weighting' }),
      ...optionRules(catalog.architectures, (m) => m.options, { holder: ['model'], governor: ['model', 'architecture'], label: 'architecture' }),
      ...optionRules(catalog.weightings, (m) => m.options, { holder: ['loss'], governor: ['loss', 'weighting'], label: 'weighting' }),
      ...optionRules(catalog.optimizers, (m) => m.options, { holder: ['optimizer'], governor: ['optimizer', 'name'], label: 'optimizer' }),
    ];
    rulesByCatalog.set(catalog, rules);
  }
  return rules;
}

/** The allowed values of an enum setting, read from the schema (`['model', 'architecture']` → hard, soft, routing). */
function enumAt(schema: TSchema, path: JsonPath): readonly string[] | undefined {
  let node = schema as unknown as { properties?: Record<string, unknown>; items?: unknown; enum?: string[] };
  for (const segment of path) {
    const next = typeof segment === 'number' ? node.items : node.properties?.[segment];
    if (!next) return undefined;
    node = next as typeof node;
  }
  return node.enum;
}

/** Each place a rule applies: the holder's path and the governor's current (resolved) value, when valid. */
function* ruleSites(rule: KeyRule, resolved: unknown, schema: TSchema): Generator<{ holder: JsonPath; governorValue: string }> {
  const holders: JsonPath[] =
    rule.holder === 'each task' ? (Array.isArray(valueAt(resolved, ['tasks'])) ? (valueAt(resolved, ['tasks']) as unknown[]).map((_, i) => ['tasks', i]) : []) : [rule.holder];
  const allowed = enumAt(schema, rule.governorInTask ? ['tasks', 0, ...rule.governor] : rule.governor);
  for (const holder of holders) {
    const governorPath = rule.governorInTask ? [...holder, ...rule.governor] : rule.governor;
    const governorValue = valueAt(resolved, governorPath);
    // An invalid governor is reported by schema validation; judging keys against it would only add noise.
    if (typeof governorValue !== 'string' || (allowed && !allowed.includes(governorValue))) continue;
    yield { holder, governorValue };
  }
}

/** Keys written where their governor does not use them: `model.experts: only used by architecture "routing"`. */
function keyRuleIssues(given: unknown, resolved: unknown, catalog: MethodCatalog): ConfigIssue[] {
  const schema = schemaFor(catalog);
  const issues: ConfigIssue[] = [];
  const reported = new Set<string>();
  for (const rule of keyRules(catalog)) {
    for (const { holder, governorValue } of ruleSites(rule, resolved, schema)) {
      if (rule.values.includes(governorValue)) continue;
      const written = valueAt(given, holder);
      if (!isPlainObject(written)) continue;
      for (const key of rule.keys) {
        const path = [...holder, key];
        const id = formatPath(path);
        if (!Object.hasOwn(written, key) || reported.has(id)) continue;
        reported.add(id);
        issues.push({ path, message: `only used by ${rule.label} ${rule.values.map(quote).join(' or ')}`, moot: true });
      }
    }
  }
  return issues;
}

/**
 * Removes the keys that do not apply (defaults for other architectures, strategies, sources) from a
 * resolved config that passed every check. Such keys can only have come from defaults, since written
 * ones are errors.
 */
export function pruneInapplicable(resolved: unknown, catalog: MethodCatalog = METHODS): void {
  const schema = schemaFor(catalog);
  for (const rule of keyRules(catalog)) {
    for (const { holder, governorValue } of ruleSites(rule, resolved, schema)) {
      if (rule.values.includes(governorValue)) continue;
      const holderValue = valueAt(resolved, holder);
      if (isPlainObject(holderValue)) for (const key of rule.keys) delete holderValue[key];
    }
  }
}

function taskViews(given: unknown, resolved: unknown): TaskView[] {
  const tasks = valueAt(resolved, ['tasks']);
  if (!Array.isArray(tasks)) return [];
  return tasks.flatMap((task, index) => {
    const written = valueAt(given, ['tasks', index]);
    if (!isPlainObject(task) || !isPlainObject(written)) return [];
    return [{ index, name: typeof task.name === 'string' ? task.name : undefined, type: typeof task.type === 'string' ? task.type : undefined, given: written }];
  });
}

/** Task names are keys everywhere (records, charts, loss.weights): they must be unique. */
function duplicateTaskNames({ tasks }: ConfigView): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const firstWithName = new Map<string, number>();
  for (const task of tasks) {
    if (task.name === undefined) continue;
    const first = firstWithName.get(task.name);
    if (first === undefined) firstWithName.set(task.name, task.index);
    else issues.push({ path: ['tasks', task.index, 'name'], message: `duplicate task name ${quote(task.name)} (also ${formatPath(['tasks', first, 'name'])})` });
  }
  return issues;
}

const isFileSource = (source: unknown): source is 'csv' | 'jsonl' => source === 'csv' || source === 'jsonl';

/** Keys the data source requires: `classes` of synthetic classification tasks, a file's `path` and each task's `target`; no multilabel task on synthetic data. */
function keysTheDataSourceRequires({ given, resolved, tasks }: ConfigView): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const source = valueAt(resolved, ['data', 'source']);
  for (const task of tasks) {
    if (source === 'synthetic' && task.type === 'classification' && !Object.hasOwn(task.given, 'classes')) {
      issues.push({ path: ['tasks', task.index], message: 'missing required key "classes" (a classification task on synthetic data must say how many)' });
    }
    if (source === 'synthetic' && task.type === 'multilabel') {
      issues.push({ path: ['tasks', task.index, 'type'], message: 'a "multilabel" task needs a data file (data.source "csv" or "jsonl"): the synthetic generators draw one label per example' });
    }
    if (isFileSource(source) && !Object.hasOwn(task.given, 'target')) {
      issues.push({ path: ['tasks', task.index], message: `missing required key "target" (every task names its label column when data.source is ${quote(source)})` });
    }
  }
  const givenData = valueAt(given, ['data']);
  if (isFileSource(source) && isPlainObject(givenData) && !Object.hasOwn(givenData, 'path')) {
    issues.push({ path: ['data'], message: `missing required key "path" (the ${source === 'csv' ? 'CSV' : 'JSON Lines'} file, relative to this config)` });
  }
  return issues;
}

/** Feature columns: no duplicates, and no task's label among the inputs. */
function featureColumnIssues({ resolved, tasks }: ConfigView): ConfigIssue[] {
  const features = valueAt(resolved, ['data', 'features']);
  if (!isFileSource(valueAt(resolved, ['data', 'source'])) || !Array.isArray(features)) return [];
  const issues: ConfigIssue[] = [];
  const targets = new Map<string, string>();
  for (const task of tasks) if (typeof task.given.target === 'string') targets.set(task.given.target, task.name ?? `tasks[${task.index}]`);
  const seen = new Set<string>();
  features.forEach((column, j) => {
    if (typeof column !== 'string') return;
    if (seen.has(column)) issues.push({ path: ['data', 'features', j], message: `duplicate column ${quote(column)}` });
    else if (targets.has(column)) issues.push({ path: ['data', 'features', j], message: `column ${quote(column)} is the target of task ${quote(targets.get(column) ?? '')}; a label cannot be an input` });
    seen.add(column);
  });
  return issues;
}

/**
 * Text inputs and the architectures that read token ids (descriptor `inputs: "tokens"`) go together, and
 * the text is then the only input.
 */
function textIssues({ given, resolved }: ConfigView, catalog: MethodCatalog): ConfigIssue[] {
  if (!isFileSource(valueAt(resolved, ['data', 'source']))) return [];
  const architecture = catalog.architectures.find((m) => m.id === valueAt(resolved, ['model', 'architecture']));
  if (!architecture) return [];
  const hasText = valueAt(given, ['data', 'text']) !== undefined;
  const readsTokens = architecture.inputs === 'tokens';
  const issues: ConfigIssue[] = [];
  if (hasText && !readsTokens) issues.push({ path: ['data', 'text'], message: `text is read by model.architecture ${catalog.architectures.filter((m) => m.inputs === 'tokens').map((m) => quote(m.id)).join(' or ')}, not ${quote(architecture.id)}` });
  // Their defaults pass: a run's resolved config.json has them, and resuming a text run reads it back.
  const set = (key: string, dflt: string) => ![undefined, dflt].includes(valueAt(given, ['data', key]) as string | undefined);
  if (hasText && set('features', 'auto')) issues.push({ path: ['data', 'features'], message: 'not used with data.text (the text is the only input)' });
  if (hasText && set('impute', 'none')) issues.push({ path: ['data', 'impute'], message: 'not used with data.text (the text is the only input)' });
  for (const key of ['tokenizer', 'dropEmptyText']) if (!hasText && valueAt(given, ['data', key]) !== undefined) issues.push({ path: ['data', key], message: 'only used with data.text' });
  return issues;
}

/** The methods the config chooses (those whose selecting setting is valid). */
function chosenMethods(resolved: unknown, catalog: MethodCatalog): MethodDescriptor[] {
  const chosen = (methods: readonly MethodDescriptor[], path: JsonPath) => methods.filter((m) => m.id === valueAt(resolved, path));
  return [...chosen(catalog.architectures, ['model', 'architecture']), ...chosen(catalog.weightings, ['loss', 'weighting']), ...chosen(catalog.optimizers, ['optimizer', 'name'])];
}

/**
 * What the chosen weighting (its descriptor's `needs`) and the gradient-conflict log need the model to share,
 * against what the chosen architecture shares with these settings (its descriptor's `sharing`). Quiet while the
 * model section is invalid (schema validation says why).
 */
function sharingIssues({ resolved }: ConfigView, catalog: MethodCatalog): ConfigIssue[] {
  const model = valueAt(resolved, ['model']);
  const architecture = catalog.architectures.find((m) => m.id === valueAt(resolved, ['model', 'architecture']));
  const modelSchema = (schemaFor(catalog) as unknown as { properties: { model: TSchema } }).properties.model;
  if (!architecture || Errors(modelSchema, model).First()) return [];
  const sharing = architecture.sharing(model as ModelConfig);
  const because = sharing.because ?? `architecture ${quote(architecture.id)}`;
  const issues: ConfigIssue[] = [];
  const weighting = catalog.weightings.find((m) => m.id === valueAt(resolved, ['loss', 'weighting']));
  if (weighting?.needs === 'shared-parameters' && !sharing.parameters) {
    issues.push({ path: ['loss', 'weighting'], message: `${quote(weighting.id)} combines the tasks' gradients of the parameters they share, and this model shares none (${because})` });
  }
  if (weighting?.needs === 'last-shared-layer' && !sharing.lastLayer) {
    issues.push({ path: ['loss', 'weighting'], message: `${quote(weighting.id)} balances gradient norms on the last layer the tasks share, and this model has none (${because})` });
  }
  const conflictEvery = valueAt(resolved, ['training', 'conflictEvery']);
  if (typeof conflictEvery === 'number' && conflictEvery > 0 && !sharing.parameters) {
    issues.push({ path: ['training', 'conflictEvery'], message: `logs the conflict between the tasks' gradients of the parameters they share, and this model shares none (${because}); set it to 0` });
  }
  const affinityEvery = valueAt(resolved, ['training', 'affinityEvery']);
  if (typeof affinityEvery === 'number' && affinityEvery > 0 && !sharing.parameters) {
    issues.push({ path: ['training', 'affinityEvery'], message: `measures how a step on one task's loss changes the others' through the parameters they share, and this model shares none (${because}); remove it or set it to 0` });
  }
  return issues;
}

/** The tasks that train: `training.tasks` (when every name in it is a declared task), else all of them. */
export function trainedTaskNames(resolved: unknown, declared: readonly string[]): string[] {
  const subset = valueAt(resolved, ['training', 'tasks']);
  if (!Array.isArray(subset) || !subset.every((name) => typeof name === 'string' && declared.includes(name))) return [...declared];
  return declared.filter((name) => subset.includes(name));
}

/** `training.tasks` names declared tasks; the affinity log needs two of them trained and a train record at each of its steps. */
function trainedTaskIssues({ resolved, tasks }: ConfigView): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const declared = tasks.flatMap((task) => (task.name !== undefined ? [task.name] : []));
  const subset = valueAt(resolved, ['training', 'tasks']);
  if (Array.isArray(subset)) {
    subset.forEach((name, i) => {
      if (typeof name !== 'string' || declared.includes(name)) return;
      const close = closestMatch(name, declared);
      issues.push({ path: ['training', 'tasks', i], message: `no task named ${quote(name)}${close !== undefined ? `; did you mean ${quote(close)}?` : ''} (tasks: ${declared.map(quote).join(', ')})` });
    });
  }
  const affinityEvery = valueAt(resolved, ['training', 'affinityEvery']);
  if (typeof affinityEvery !== 'number' || affinityEvery <= 0) return issues;
  const trained = trainedTaskNames(resolved, declared);
  if (trained.length < 2) {
    issues.push({ path: ['training', 'affinityEvery'], message: `inter-task affinity needs at least two trained tasks, and this config trains ${trained.length === 1 ? `one (${quote(trained[0])})` : 'none'}; remove it or set it to 0` });
  }
  const logEvery = valueAt(resolved, ['training', 'logEvery']);
  if (typeof logEvery === 'number' && logEvery > 0 && affinityEvery % logEvery !== 0) {
    issues.push({ path: ['training', 'affinityEvery'], message: `must be a multiple of training.logEvery (${logEvery}): affinity is written with the train record of the step it is measured at` });
  }
  return issues;
}

/** Early stopping watches the validation loss; without a validation split it could never trigger. */
function earlyStoppingIssues({ resolved }: ConfigView): ConfigIssue[] {
  const earlyStopping = valueAt(resolved, ['training', 'earlyStopping']);
  if (!isPlainObject(earlyStopping) || valueAt(resolved, ['data', 'validationSplit']) !== 0) return [];
  return [{ path: ['training', 'earlyStopping'], message: 'needs validation data, but data.validationSplit is 0' }];
}

export function semanticIssues(given: unknown, resolved: unknown, catalog: MethodCatalog = METHODS): ConfigIssue[] {
  const view: ConfigView = { given, resolved, tasks: taskViews(given, resolved) };
  return [
    ...keyRuleIssues(given, resolved, catalog),
    ...duplicateTaskNames(view),
    ...keysTheDataSourceRequires(view),
    ...featureColumnIssues(view),
    ...textIssues(view, catalog),
    ...chosenMethods(resolved, catalog).flatMap((method) => method.check?.(view) ?? []),
    ...sharingIssues(view, catalog),
    ...earlyStoppingIssues(view),
    ...trainedTaskIssues(view),
    ...correlationIssues(view),
  ];
}
