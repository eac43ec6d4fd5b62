/**
 * Text data (CSV / JSONL with `data.text`) → a Dataset of token ids, for architectures that read tokens.
 *
 * - The text of a row is its `data.text` column(s), several joined with " [SEP] " in the order given; a
 *   missing or blank text is an error naming file, line and column unless `data.dropEmptyText` drops the row.
 * - The tokenizer is `data.tokenizer.path` (a Hugging Face tokenizer.json) or a WordPiece vocabulary trained
 *   on the TRAINING split's texts only (wordpiece.ts), so validation texts never shape it.
 * - Each example is `maxLength` ids: [CLS] tokens… [SEP], cut at the end, padded with 0 at the end, stored
 *   as one Int32Array per split (4 bytes a token, whatever the vocabulary).
 * - Labels are read exactly as for tabular data (tabularLabels.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TokenizerSchema, type ExperimentConfig } from '../config/schema';
import { DataError, type Dataset, type ResolvedTask, type Split } from './dataset';
import { splitIndices } from './split';
import { cellText, isMissing, type RawTable } from './table';
import { columnLabels, labelsOfRows } from './tabularLabels';
import { TextTokenizer, TokenizerError, parseTokenizerJson } from './textTokenizer';
import { trainWordPiece, wordPieceJson } from './wordpiece';

/** The tokenizer settings' defaults, as the schema declares them (a config without `data.tokenizer` gets these). */
const TOKENIZER_DEFAULTS = {
  vocabSize: TokenizerSchema.properties.vocabSize.default as number,
  lowercase: TokenizerSchema.properties.lowercase.default as boolean,
  maxLength: TokenizerSchema.properties.maxLength.default as number,
};
const DEFAULT_VALIDATION_SPLIT = 0.2;
/** How many validation texts the models report on (the dashboard's token-attention cards). */
const SAMPLES = 3;

export interface TextDataset extends Dataset {
  /** The tokenizer the ids come from (its tokenizer.json goes to the run directory). */
  tokenizer: TextTokenizer;
  /** Rows dropped for an empty text (`data.dropEmptyText`). */
  dropped: number;
}

/** The text columns' indices (`data.text` as written: one name or a list). */
function textColumns(table: RawTable, text: string | string[], targets: readonly number[]): number[] {
  const names = typeof text === 'string' ? [text] : text;
  const index = new Map(table.columns.map((name, j) => [name, j]));
  return names.map((name, i) => {
    const configPath = typeof text === 'string' ? ['data', 'text'] : ['data', 'text', i];
    const j = index.get(name);
    if (j === undefined) throw new DataError(`${configPath.join('.').replace(/\.(\d+)/, '[$1]')}: column "${name}" not found in ${table.file} (columns: ${table.columns.join(', ')})`, { configPath, file: table.file });
    if (targets.includes(j)) throw new DataError(`${configPath.join('.').replace(/\.(\d+)/, '[$1]')}: column "${name}" is a task's target; a label cannot be an input`, { configPath });
    return j;
  });
}

/** Each row's text, or undefined where every text column is missing or blank. */
function rowTexts(table: RawTable, columns: readonly number[]): (string | undefined)[] {
  return table.rows.map((row) => {
    const parts = columns.map((j) => row[j]).filter((cell) => !isMissing(cell) && cellText(cell).length > 0);
    return parts.length === 0 ? undefined : parts.map(cellText).join(' [SEP] ');
  });
}

async function tokenizerFor(config: ExperimentConfig, configDir: string, trainTexts: () => string[]): Promise<TextTokenizer> {
  const settings = { ...TOKENIZER_DEFAULTS, ...config.data.tokenizer };
  const file = config.data.tokenizer?.path;
  try {
    if (file === undefined) return new TextTokenizer(wordPieceJson(trainWordPiece(trainTexts(), settings), settings.lowercase), 'the trained tokenizer', settings.maxLength);
    let text: string;
    try {
      text = await readFile(path.resolve(configDir, file), 'utf8');
    } catch (error) {
      throw new TokenizerError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    return new TextTokenizer(parseTokenizerJson(text, file), file, settings.maxLength);
  } catch (error) {
    if (!(error instanceof TokenizerError)) throw error;
    throw new DataError(`data.tokenizer${file === undefined ? '' : '.path'}: ${error.message}`, { configPath: ['data', 'tokenizer', ...(file === undefined ? [] : ['path'])], file });
  }
}

function encodeSplit(tokenizer: TextTokenizer, texts: readonly (string | undefined)[], rows: Int32Array): Int32Array {
  const width = tokenizer.maxLength;
  const x = new Int32Array(rows.length * width);
  rows.forEach((r, i) => x.set(tokenizer.encode(texts[r]!), i * width));
  return x;
}

/** Builds the text Dataset from a parsed data file; `targets` are the tasks' label columns (checked by the caller). */
export async function buildTextDataset(table: RawTable, config: ExperimentConfig, configDir: string, targets: readonly number[]): Promise<TextDataset> {
  const { file } = table;
  const columns = textColumns(table, config.data.text!, targets);
  const texts = rowTexts(table, columns);
  const kept: number[] = [];
  texts.forEach((text, r) => {
    if (text !== undefined) kept.push(r);
    else if (!config.data.dropEmptyText) {
      throw new DataError(`${file}:${table.lines[r]}: column "${table.columns[columns[0]]}": empty text (set data.dropEmptyText to drop such rows)`, { configPath: ['data', 'text'], file, line: table.lines[r], column: table.columns[columns[0]] });
    }
  });
  if (kept.length === 0) throw new DataError(`${file}: no row has text`, { configPath: ['data', 'text'], file });
  const order = splitIndices(kept.length, config.data.validationSplit ?? DEFAULT_VALIDATION_SPLIT, config.seed);
  const rowsOf = (indices: Int32Array) => indices.map((i) => kept[i]);
  const [trainRows, validationRows] = [rowsOf(order.train), rowsOf(order.validation)];
  const tokenizer = await tokenizerFor(config, configDir, () => Array.from(trainRows, (r) => texts[r]!));

  const train: Split = { size: trainRows.length, x: encodeSplit(tokenizer, texts, trainRows), labels: {} };
  const validation: Split = { size: validationRows.length, x: encodeSplit(tokenizer, texts, validationRows), labels: {} };
  const tasks: ResolvedTask[] = config.tasks.map((task, i) => {
    const labels = columnLabels(table, task, i, targets[i]);
    const resolved = labels.task;
    train.labels[task.name] = labelsOfRows(labels, trainRows);
    validation.labels[task.name] = labelsOfRows(labels, validationRows);
    if (!train.labels[task.name].mask.includes(1)) {
      throw new DataError(`tasks[${i}].target: column "${table.columns[targets[i]]}" has no labels in the training split — task "${task.name}" cannot be trained`, { configPath: ['tasks', i, 'target'], file });
    }
    return resolved;
  });
  const dropped = table.rows.length - kept.length;
  const shown = validation.size > 0 ? validation : train;
  const samples = Array.from({ length: Math.min(SAMPLES, shown.size) }, (_, i) => {
    const ids = [...shown.x.subarray(i * tokenizer.maxLength, (i + 1) * tokenizer.maxLength)].filter((id) => id !== 0);
    return { ids, tokens: tokenizer.tokens(ids) };
  });
  return {
    inputDim: tokenizer.maxLength,
    featureNames: Array.from({ length: tokenizer.maxLength }, (_, t) => `token${t}`),
    vocabSize: tokenizer.vocabSize,
    tasks,
    train,
    validation,
    trainForEpoch: () => train,
    describe: `${file}, ${kept.length} texts (${train.size} train, ${validation.size} validation${dropped ? `, ${dropped} empty dropped` : ''}), ${tokenizer.vocabSize} tokens in the vocabulary, ${tokenizer.maxLength} per text`,
    tokenizer,
    samples,
    dropped,
  };
}
