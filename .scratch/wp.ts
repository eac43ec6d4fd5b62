import { Tokenizer } from '@huggingface/tokenizers';
import { trainWordPiece, wordPieceJson } from '../src/training/data/wordpiece';
const vocab = trainWordPiece(['hug hug hug pug pun'], { vocabSize: 100, lowercase: true });
console.log(vocab);
const t = new Tokenizer(wordPieceJson(vocab, true), {});
console.log(t.encode('Hug pun pug!'), t.encode(''), t.decode(t.encode('Hug pun pug!').ids));
