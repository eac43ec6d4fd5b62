/**
 * The New Experiment quick-pick flow as a pure state machine: from the answers so far, the next question
 * (or the finished choices). The VS Code side only shows each question and feeds the answer back, and
 * "Back" is dropping the last answer, so every path through the flow is unit-tested without VS Code.
 */
import path from 'node:path';
import type { Architecture, Weighting } from '../../training/config/schema';
import { ARCHITECTURE_CHOICES, DATA_CHOICES, WEIGHTING_CHOICES, inferTasks, validateName, type CsvPreview, type NewExperimentChoices } from './template';

export type DataKind = (typeof DATA_CHOICES)[number]['id'];

export interface FlowAnswers {
  data?: DataKind;
  /** Absolute path of the chosen CSV. */
  csvFile?: string;
  targets?: string[];
  architecture?: Architecture;
  weighting?: Weighting;
  name?: string;
}

export type AnswerKey = keyof FlowAnswers;

export interface FlowItem {
  id: string;
  label: string;
  description?: string;
  detail?: string;
}

export type Question =
  | { key: 'data' | 'csvFile' | 'architecture' | 'weighting'; kind: 'pick'; step: number; placeholder: string; items: FlowItem[] }
  | { key: 'targets'; kind: 'pickMany'; step: number; placeholder: string; items: FlowItem[] }
  | { key: 'name'; kind: 'input'; step: number; prompt: string; value: string; validate: (value: string) => string | undefined };

export type FlowState =
  | { done: false; question: Question; totalSteps: number }
  | { done: true; choices: NewExperimentChoices }
  /** The flow cannot go on (no CSV in the workspace, an unreadable CSV). */
  | { done: false; question: undefined; problem: string };

export interface FlowContext {
  /** Folder the experiment file is written to (CSV paths become relative to it). */
  folder: string;
  /** CSV files in the workspace folder, absolute paths. */
  csvFiles: readonly string[];
  /** Header and sample values of `answers.csvFile`, once read; an Error when it could not be read. */
  preview?: CsvPreview | Error;
}

/** The order of questions for the answers given so far (CSV data adds two). */
export function questionOrder(answers: FlowAnswers): AnswerKey[] {
  return answers.data === 'csv' ? ['data', 'csvFile', 'targets', 'architecture', 'weighting', 'name'] : ['data', 'architecture', 'weighting', 'name'];
}

function suggestedName(answers: FlowAnswers): string {
  if (answers.data === 'csv' && answers.csvFile) {
    const base = path.basename(answers.csvFile).replace(/\.csv$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
    if (base) return base.slice(0, 64);
  }
  return `${answers.data ?? 'synthetic'}-${answers.architecture ?? 'hard'}`;
}

export function nextStep(answers: FlowAnswers, context: FlowContext): FlowState {
  const order = questionOrder(answers);
  const totalSteps = order.length;
  const key = order.find((k) => answers[k] === undefined);
  const step = key === undefined ? totalSteps : order.indexOf(key) + 1;
  switch (key) {
    case 'data':
      return { done: false, totalSteps, question: { key, kind: 'pick', step, placeholder: 'Data', items: DATA_CHOICES.map((c) => ({ id: c.id, label: c.label, detail: c.detail })) } };
    case 'csvFile':
      if (context.csvFiles.length === 0) return { done: false, question: undefined, problem: 'There is no CSV file in this workspace folder.' };
      return {
        done: false,
        totalSteps,
        question: {
          key,
          kind: 'pick',
          step,
          placeholder: 'Which CSV file?',
          items: context.csvFiles.map((file) => ({ id: file, label: path.basename(file), description: path.relative(context.folder, file).split(path.sep).join('/') })),
        },
      };
    case 'targets': {
      if (!context.preview) return { done: false, question: undefined, problem: 'The CSV file has not been read.' };
      if (context.preview instanceof Error) return { done: false, question: undefined, problem: context.preview.message };
      const { header, columns } = context.preview;
      if (header.length < 2) return { done: false, question: undefined, problem: 'The CSV needs a header with at least two columns (features and a target).' };
      return {
        done: false,
        totalSteps,
        question: {
          key,
          kind: 'pickMany',
          step,
          placeholder: 'Which columns are the tasks\' targets? (the others become features)',
          items: header.map((column) => ({ id: column, label: column, description: (columns.get(column) ?? []).slice(0, 4).join(', ') })),
        },
      };
    }
    case 'architecture':
      return { done: false, totalSteps, question: { key, kind: 'pick', step, placeholder: 'Architecture', items: ARCHITECTURE_CHOICES.map((c) => ({ id: c.id, label: c.label, detail: c.detail })) } };
    case 'weighting':
      return { done: false, totalSteps, question: { key, kind: 'pick', step, placeholder: 'Loss weighting', items: WEIGHTING_CHOICES.map((c) => ({ id: c.id, label: c.label, description: c.detail })) } };
    case 'name':
      return { done: false, totalSteps, question: { key, kind: 'input', step, prompt: 'Experiment name (run ids start with it)', value: suggestedName(answers), validate: validateName } };
    case undefined:
      break;
  }
  return { done: true, choices: choicesFrom(answers, context) };
}

function choicesFrom(answers: FlowAnswers, context: FlowContext): NewExperimentChoices {
  const base = { name: answers.name!, architecture: answers.architecture!, weighting: answers.weighting! };
  if (answers.data === 'csv') {
    const preview = context.preview as CsvPreview;
    const relative = path.relative(context.folder, answers.csvFile!).split(path.sep).join('/');
    return { ...base, data: { kind: 'csv', path: relative, tasks: inferTasks(preview, answers.targets!) } };
  }
  return { ...base, data: { kind: answers.data === 'random' ? 'random' : 'synthetic' } };
}

/** Records an answer; answers to later questions that depended on it are dropped. */
export function answer(answers: FlowAnswers, key: AnswerKey, value: string | string[]): FlowAnswers {
  const next: FlowAnswers = { ...answers, [key]: value };
  if (key === 'data' && value !== answers.data) {
    delete next.csvFile;
    delete next.targets;
  }
  if (key === 'csvFile' && value !== answers.csvFile) delete next.targets;
  return next;
}

/** "Back": forgets the answer to the question before `current`. */
export function back(answers: FlowAnswers, current: AnswerKey): FlowAnswers {
  const order = questionOrder(answers);
  const index = order.indexOf(current);
  if (index <= 0) return answers;
  const previous = order[index - 1]!;
  const next = { ...answers };
  delete next[previous];
  return next;
}
