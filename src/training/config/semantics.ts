/**
 * What the JSON Schema cannot say: keys that only apply to one architecture, strategy, data source or
 * task type; keys required by the data source; cross-references (task names in `loss.weights`,
 * feature columns that are targets); limits that depend on the number of tasks.
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
import { formatPath, type JsonPath } from './diagnostics';
import { isPlainObject, quote, valueAt, type ConfigIssue } from './issues';
import { ExperimentSchema } from './schema';
import { closestMatch } from './suggest';

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

const RULES: KeyRule[] = [
  { holder: ['data'], keys: ['generator', 'samples', 'inputDim', 'correlation', 'noise'], governor: ['data', 'source'], label: 'source', values: ['synthetic'] },
  { holder: ['data'], keys: ['correlation', 'noise'], governor: ['data', 'generator'], label: 'generator', values: ['mmoe'] },
  { holder: ['data'], keys: ['path', 'features', 'impute'], governor: ['data', 'source'], label: 'source', values: ['csv', 'jsonl'] },
  { holder: 'each task', keys: ['classes'], governor: ['type'], governorInTask: true, label: 'type', values: ['classification'] },
  { holder: 'each task', keys: ['target'], governor: ['data', 'source'], label: 'data.source', values: ['csv', 'jsonl'] },
  { holder: 'each task', keys: ['weight'], governor: ['loss', 'weighting'], label: 'loss.weighting', values: ['static'] },
  { holder: ['model'], keys: ['attention'], governor: ['model', 'architecture'], label: 'architecture', values: ['soft'] },
  { holder: ['model'], keys: ['experts', 'expertUnits'], governor: ['model', 'architecture'], label: 'architecture', values: ['routing'] },
  { holder: ['loss'], keys: ['weights'], governor: ['loss', 'weighting'], label: 'weighting', values: ['static'] },
  { holder: ['loss'], keys: ['entropy', 'floor', 'normalize'], governor: ['loss', 'weighting'], label: 'weighting', values: ['softmax'] },
  { holder: ['loss'], keys: ['temperature', 'window'], governor: ['loss', 'weighting'], label: 'weighting', values: ['dwa'] },
  { holder: ['loss'], keys: ['gradnormAlpha', 'gradnormLearningRate'], governor: ['loss', 'weighting'], label: 'weighting', values: ['gradnorm'] },
  { holder: ['loss'], keys: ['cagradAlpha'], governor: ['loss', 'weighting'], label: 'weighting', values: ['cagrad'] },
  { holder: ['optimizer'], keys: ['momentum'], governor: ['optimizer', 'name'], label: 'optimizer', values: ['sgd', 'rmsprop'] },
  { holder: ['training'], keys: ['samplingTemperature'], governor: ['training', 'sampling'], label: 'sampling', values: ['temperature'] },
];

/** The allowed values of an enum setting, read from the schema (`['model', 'architecture']` → hard, soft, routing). */
function enumAt(path: JsonPath): readonly string[] | undefined {
  let schema = ExperimentSchema as unknown as { properties?: Record<string, unknown>; items?: unknown; enum?: string[] };
  for (const segment of path) {
    const next = typeof segment === 'number' ? schema.items : schema.properties?.[segment];
    if (!next) return undefined;
    schema = next as typeof schema;
  }
  return schema.enum;
}

/** Each place a rule applies: the holder's path and the governor's current (resolved) value, when valid. */
function* ruleSites(rule: KeyRule, resolved: unknown): Generator<{ holder: JsonPath; governorValue: string }> {
  const holders: JsonPath[] =
    rule.holder === 'each task' ? (Array.isArray(valueAt(resolved, ['tasks'])) ? (valueAt(resolved, ['tasks']) as unknown[]).map((_, i) => ['tasks', i]) : []) : [rule.holder];
  const allowed = enumAt(rule.governorInTask ? ['tasks', 0, ...rule.governor] : rule.governor);
  for (const holder of holders) {
    const governorPath = rule.governorInTask ? [...holder, ...rule.governor] : rule.governor;
    const governorValue = valueAt(resolved, governorPath);
    // An invalid governor is reported by schema validation; judging keys against it would only add noise.
    if (typeof governorValue !== 'string' || (allowed && !allowed.includes(governorValue))) continue;
    yield { holder, governorValue };
  }
}

function keyRuleIssues(given: unknown, resolved: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const reported = new Set<string>();
  for (const rule of RULES) {
    for (const { holder, governorValue } of ruleSites(rule, resolved)) {
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
export function pruneInapplicable(resolved: unknown): void {
  for (const rule of RULES) {
    for (const { holder, governorValue } of ruleSites(rule, resolved)) {
      if (rule.values.includes(governorValue)) continue;
      const holderValue = valueAt(resolved, holder);
      if (isPlainObject(holderValue)) for (const key of rule.keys) delete holderValue[key];
    }
  }
}

interface TaskView {
  index: number;
  name?: string;
  type?: string;
  given: Record<string, unknown>;
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

function fmt(x: number): string {
  return String(Number(x.toPrecision(4)));
}

export function semanticIssues(given: unknown, resolved: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = keyRuleIssues(given, resolved);
  const tasks = taskViews(given, resolved);
  const source = valueAt(resolved, ['data', 'source']);
  const fileSource = source === 'csv' || source === 'jsonl';

  // Task names are keys everywhere (records, charts, loss.weights): they must be unique.
  const firstWithName = new Map<string, number>();
  for (const task of tasks) {
    if (task.name === undefined) continue;
    const first = firstWithName.get(task.name);
    if (first === undefined) firstWithName.set(task.name, task.index);
    else issues.push({ path: ['tasks', task.index, 'name'], message: `duplicate task name ${quote(task.name)} (also ${formatPath(['tasks', first, 'name'])})` });
  }

  // Keys the data source requires.
  for (const task of tasks) {
    if (source === 'synthetic' && task.type === 'classification' && !Object.hasOwn(task.given, 'classes')) {
      issues.push({ path: ['tasks', task.index], message: 'missing required key "classes" (a classification task on synthetic data must say how many)' });
    }
    if (fileSource && !Object.hasOwn(task.given, 'target')) {
      issues.push({ path: ['tasks', task.index], message: `missing required key "target" (every task names its label column when data.source is ${quote(source)})` });
    }
  }
  const givenData = valueAt(given, ['data']);
  if (fileSource && isPlainObject(givenData) && !Object.hasOwn(givenData, 'path')) {
    issues.push({ path: ['data'], message: `missing required key "path" (the ${source === 'csv' ? 'CSV' : 'JSON Lines'} file, relative to this config)` });
  }

  // Feature columns: no duplicates, and no task's label among the inputs.
  const features = valueAt(resolved, ['data', 'features']);
  if (fileSource && Array.isArray(features)) {
    const targets = new Map<string, string>();
    for (const task of tasks) if (typeof task.given.target === 'string') targets.set(task.given.target, task.name ?? `tasks[${task.index}]`);
    const seen = new Set<string>();
    features.forEach((column, j) => {
      if (typeof column !== 'string') return;
      if (seen.has(column)) issues.push({ path: ['data', 'features', j], message: `duplicate column ${quote(column)}` });
      else if (targets.has(column)) issues.push({ path: ['data', 'features', j], message: `column ${quote(column)} is the target of task ${quote(targets.get(column) ?? '')}; a label cannot be an input` });
      seen.add(column);
    });
  }

  const weighting = valueAt(resolved, ['loss', 'weighting']);
  const taskNames = tasks.flatMap((task) => (task.name !== undefined ? [task.name] : []));

  // Static weighting: a weight for every task, every named task exists, and not all weights zero.
  if (weighting === 'static') {
    const weights = valueAt(resolved, ['loss', 'weights']);
    const byName = isPlainObject(weights) ? weights : {};
    for (const key of Object.keys(byName)) {
      if (taskNames.includes(key)) continue;
      const close = closestMatch(key, taskNames);
      issues.push({
        path: ['loss', 'weights'],
        message: `no task named ${quote(key)}${close !== undefined ? `; did you mean ${quote(close)}?` : ''}`,
        at: ['loss', 'weights', key],
        atKey: true,
      });
    }
    const effective: number[] = [];
    for (const task of tasks) {
      if (task.name === undefined) continue;
      const weight = Object.hasOwn(byName, task.name) ? byName[task.name] : task.given.weight;
      if (weight === undefined) {
        issues.push({
          path: ['tasks', task.index],
          message: `no weight for task ${quote(task.name)}: weighting "static" needs one for every task (set ${formatPath(['tasks', task.index, 'weight'])} or ${formatPath(['loss', 'weights', task.name])})`,
        });
      } else if (typeof weight === 'number') {
        effective.push(weight);
      }
    }
    if (effective.length === tasks.length && effective.length > 0 && effective.every((w) => w === 0)) {
      issues.push({ path: ['loss', 'weighting'], message: 'weighting "static" needs at least one positive task weight; all are 0' });
    }
  }

  // Softmax weight floor ε: p̃ = (1 − Kε)·p + ε is a distribution only while Kε < 1.
  const floor = valueAt(resolved, ['loss', 'floor']);
  if (weighting === 'softmax' && typeof floor === 'number' && floor > 0 && tasks.length > 0 && floor * tasks.length >= 1) {
    const k = tasks.length;
    issues.push({ path: ['loss', 'floor'], message: `must be < 1/K = ${fmt(1 / k)} with ${k} task${k === 1 ? '' : 's'}, got ${floor}` });
  }

  // Early stopping watches the validation loss; without a validation split it could never trigger.
  const earlyStopping = valueAt(resolved, ['training', 'earlyStopping']);
  if (isPlainObject(earlyStopping) && valueAt(resolved, ['data', 'validationSplit']) === 0) {
    issues.push({ path: ['training', 'earlyStopping'], message: 'needs validation data, but data.validationSplit is 0' });
  }

  return issues;
}
