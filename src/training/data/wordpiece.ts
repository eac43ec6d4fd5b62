/**
 * A WordPiece vocabulary learned from a corpus, written as a Hugging Face `tokenizer.json` (BERT's pipeline:
 * BertNormalizer, BertPreTokenizer, WordPiece with the "##" continuation prefix, [CLS] … [SEP]).
 * @huggingface/tokenizers runs tokenizers but does not train them, so the training is here; the library
 * itself normalises and splits the corpus into words, so training sees exactly the words encoding will.
 *
 * The algorithm is the one Hugging Face's WordPiece trainer uses: byte-pair merges over the words'
 * characters (a word's first character as is, the others as "##c"), the most frequent adjacent pair merged
 * first (ties: the pair whose two symbols sort first by code point), until the vocabulary has `vocabSize`
 * entries or no pair occurs `minFrequency` times. Encoding is then WordPiece's greedy longest match.
 * Pair counts are updated incrementally (only words holding the merged pair are touched) and the best pair
 * comes from a heap with stale entries skipped, so a vocabulary of thousands trains in seconds.
 */
import { Tokenizer } from '@huggingface/tokenizers';

/** In id order: [PAD] must be 0 (the model's padding id, transformerLayers.ts). */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
const PREFIX = '##';

export interface WordPieceOptions {
  vocabSize: number;
  lowercase: boolean;
  /** A pair must occur this often (over the corpus) to be merged. */
  minFrequency?: number;
}

/** The tokenizer.json of a WordPiece vocabulary (`vocab[i]` gets id i). */
export function wordPieceJson(vocab: readonly string[], lowercase: boolean): Record<string, unknown> {
  const id = (token: string) => vocab.indexOf(token);
  const special = (token: string) => ({ SpecialToken: { id: token, type_id: 0 } });
  const sequence = (name: string) => ({ Sequence: { id: name, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({ id: id(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), sequence('A'), special('[SEP]')],
      pair: [special('[CLS]'), sequence('A'), special('[SEP]'), sequence('B'), special('[SEP]')],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [id(t)], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: PREFIX, cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: PREFIX, max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab.map((t, i) => [t, i])) },
  };
}

/** Word → count over the corpus, split by the library's own normaliser and pre-tokeniser. */
function countWords(texts: Iterable<string>, lowercase: boolean): Map<string, number> {
  const shell = new Tokenizer(wordPieceJson([...SPECIAL_TOKENS], lowercase), {});
  const counts = new Map<string, number>();
  for (const text of texts) {
    const normalised = shell.normalizer ? shell.normalizer.normalize(text) : text;
    const words = shell.pre_tokenizer ? shell.pre_tokenizer.pre_tokenize_text(normalised) : normalised.split(/\s+/);
    for (const word of words) if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Learns the vocabulary: the special tokens, the alphabet (sorted), then one token per merge, in merge order. */
export function trainWordPiece(texts: Iterable<string>, options: WordPieceOptions): string[] {
  const minFrequency = options.minFrequency ?? 2;
  const wordCounts = countWords(texts, options.lowercase);
  const symbolCounts = new Map<string, number>();
  const spelled = [...wordCounts].map(([word, count]) => {
    const symbols = [...word].map((c, i) => (i === 0 ? c : PREFIX + c));
    for (const s of symbols) symbolCounts.set(s, (symbolCounts.get(s) ?? 0) + count);
    return { symbols, count };
  });
  // The alphabet, cut to the most frequent symbols if it alone would overflow the vocabulary.
  const room = options.vocabSize - SPECIAL_TOKENS.length;
  const alphabet = [...symbolCounts].sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0])).slice(0, Math.max(0, room)).map(([s]) => s).sort(byCodePoint);
  const vocab: string[] = [...SPECIAL_TOKENS, ...alphabet];
  const known = new Set(alphabet);
  const words = spelled.filter((w) => w.symbols.every((s) => known.has(s)));
  new Merger(words, vocab, options.vocabSize, minFrequency).run();
  return vocab;
}

const PAIR = 2 ** 24;

/** Byte-pair merges over symbol ids with incremental pair counts. */
class Merger {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly words: number[][];
  private readonly counts: number[];
  private readonly pairCounts = new Map<number, number>();
  private readonly where = new Map<number, Set<number>>();
  private readonly heap: [number, number][] = [];

  constructor(
    spelled: { symbols: string[]; count: number }[],
    private readonly vocab: string[],
    private readonly vocabSize: number,
    private readonly minFrequency: number,
  ) {
    this.words = spelled.map((w) => w.symbols.map((s) => this.idOf(s)));
    this.counts = spelled.map((w) => w.count);
    this.words.forEach((_, w) => this.addPairs(w, 1));
    for (const key of this.pairCounts.keys()) this.push(key);
  }

  private idOf(symbol: string): number {
    let id = this.ids.get(symbol);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(symbol, id);
      this.names.push(symbol);
    }
    return id;
  }

  /** Adds (sign 1) or removes (−1) word w's pairs from the counts; returns the keys touched. */
  private addPairs(w: number, sign: 1 | -1, touched?: Set<number>): void {
    const symbols = this.words[w];
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = symbols[i] * PAIR + symbols[i + 1];
      this.pairCounts.set(key, (this.pairCounts.get(key) ?? 0) + sign * this.counts[w]);
      touched?.add(key);
      if (sign > 0) {
        let set = this.where.get(key);
        if (!set) this.where.set(key, (set = new Set()));
        set.add(w);
      }
    }
  }

  run(): void {
    while (this.vocab.length < this.vocabSize) {
      const key = this.best();
      if (key === undefined) return;
      const [a, b] = [Math.floor(key / PAIR), key % PAIR];
      const merged = this.names[a] + this.names[b].slice(PREFIX.length);
      const isNew = !this.ids.has(merged);
      const c = this.idOf(merged);
      if (isNew) this.vocab.push(merged);
      const touched = new Set<number>();
      for (const w of this.where.get(key) ?? []) {
        const symbols = this.words[w];
        if (!symbols.some((s, i) => s === a && symbols[i + 1] === b)) continue;
        this.addPairs(w, -1, touched);
        const next: number[] = [];
        for (let i = 0; i < symbols.length; i++) {
          if (symbols[i] === a && symbols[i + 1] === b) {
            next.push(c);
            i++;
          } else next.push(symbols[i]);
        }
        this.words[w] = next;
        this.addPairs(w, 1, touched);
      }
      // Every occurrence is merged: the pair is gone.
      this.where.delete(key);
      this.pairCounts.delete(key);
      touched.delete(key);
      for (const t of touched) this.push(t);
    }
  }

  /** The most frequent pair still at its heap count, if it occurs often enough. */
  private best(): number | undefined {
    while (this.heap.length > 0) {
      const [count, key] = this.pop();
      if (this.pairCounts.get(key) !== count) continue;
      return count >= this.minFrequency ? key : undefined;
    }
    return undefined;
  }

  private push(key: number): void {
    const count = this.pairCounts.get(key) ?? 0;
    if (count <= 0) return;
    this.heap.push([count, key]);
    for (let i = this.heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(this.heap[i], this.heap[parent])) break;
      [this.heap[i], this.heap[parent]] = [this.heap[parent], this.heap[i]];
      i = parent;
    }
  }

  private pop(): [number, number] {
    const top = this.heap[0];
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      for (let i = 0; ; ) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let m = i;
        if (l < this.heap.length && this.before(this.heap[l], this.heap[m])) m = l;
        if (r < this.heap.length && this.before(this.heap[r], this.heap[m])) m = r;
        if (m === i) break;
        [this.heap[i], this.heap[m]] = [this.heap[m], this.heap[i]];
        i = m;
      }
    }
    return top;
  }

  /** Higher count first; ties: the pair whose symbols sort first. */
  private before(x: [number, number], y: [number, number]): boolean {
    if (x[0] !== y[0]) return x[0] > y[0];
    const [xa, ya] = [this.names[Math.floor(x[1] / PAIR)], this.names[Math.floor(y[1] / PAIR)]];
    if (xa !== ya) return xa < ya;
    return this.names[x[1] % PAIR] < this.names[y[1] % PAIR];
  }
}
