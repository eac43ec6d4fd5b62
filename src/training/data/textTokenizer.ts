/**
 * A tokenizer as the text data uses it: a Hugging Face `tokenizer.json` (trained here by wordpiece.ts, or a
 * user's own) run by @huggingface/tokenizers, turning a text into at most `maxLength` ids: [CLS], the
 * text's tokens (cut at the end when too long), [SEP]. Padding (id 0, at the end) is the dataset's job.
 *
 * A tokenizer.json is checked before use, so a bad one is an error naming the file and what is wrong (JSON
 * syntax with line:col, no WordPiece/BPE vocabulary, no [PAD] at id 0, no [UNK]) rather than a failure deep
 * inside the library.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { parseTree, printParseErrorCode, type JsonParseError as ParseError } from '../config/jsonc';

export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerError';
  }
}

/** `line:col` (1-based) of an offset in a text. */
function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

/** Parses a tokenizer.json's text (strict JSON): `file:line:col: …` on a syntax error. */
export function parseTokenizerJson(text: string, file: string): Record<string, unknown> {
  const errors: ParseError[] = [];
  parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length > 0) throw new TokenizerError(`${file}:${lineCol(text, errors[0].offset)}: not valid JSON (${printParseErrorCode(errors[0].error)})`);
  const json = JSON.parse(text) as unknown;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new TokenizerError(`${file}: a tokenizer.json holds an object`);
  return json as Record<string, unknown>;
}

export class TextTokenizer {
  private readonly tokenizer: Tokenizer;
  readonly vocabSize: number;
  private readonly cls: number | undefined;
  private readonly sep: number | undefined;

  /** `json`: a parsed tokenizer.json; `file` names it in errors. */
  constructor(
    readonly json: Record<string, unknown>,
    file: string,
    readonly maxLength: number,
  ) {
    const model = json.model as { type?: unknown; vocab?: unknown } | undefined;
    if (typeof model !== 'object' || model === null || typeof model.vocab !== 'object' || model.vocab === null || Array.isArray(model.vocab)) {
      throw new TokenizerError(`${file}: model.vocab: missing (a WordPiece or BPE tokenizer.json maps each token to its id there)`);
    }
    const vocab = model.vocab as Record<string, unknown>;
    const ids = Object.values(vocab);
    if (!ids.every((id) => Number.isInteger(id) && (id as number) >= 0)) throw new TokenizerError(`${file}: model.vocab: every id must be an integer ≥ 0`);
    if (vocab['[PAD]'] !== 0) throw new TokenizerError(`${file}: model.vocab: "[PAD]" must have id 0 (the model's padding id), found ${JSON.stringify(vocab['[PAD]'] ?? null)}`);
    if (vocab['[UNK]'] === undefined) throw new TokenizerError(`${file}: model.vocab: no "[UNK]" token (unknown characters need one)`);
    try {
      this.tokenizer = new Tokenizer(json, {});
    } catch (error) {
      throw new TokenizerError(`${file}: the tokenizer library cannot load it: ${(error as Error).message}`);
    }
    this.vocabSize = Math.max(...(ids as number[])) + 1;
    this.cls = this.tokenizer.token_to_id('[CLS]');
    this.sep = this.tokenizer.token_to_id('[SEP]');
    const specials = (this.cls === undefined ? 0 : 1) + (this.sep === undefined ? 0 : 1);
    if (maxLength <= specials) throw new TokenizerError(`maxLength ${maxLength} leaves no room for text beside [CLS] and [SEP]`);
  }

  /** [CLS] tokens… [SEP], the tokens cut so that the whole is at most maxLength. */
  encode(text: string): number[] {
    const ids = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    const room = this.maxLength - (this.cls === undefined ? 0 : 1) - (this.sep === undefined ? 0 : 1);
    const kept = ids.length > room ? ids.slice(0, room) : ids;
    return [...(this.cls === undefined ? [] : [this.cls]), ...kept, ...(this.sep === undefined ? [] : [this.sep])];
  }

  /** Each id's token (for displays: the task-attention card's columns). */
  tokens(ids: readonly number[]): string[] {
    return ids.map((id) => this.tokenizer.id_to_token(id) ?? '[UNK]');
  }
}
