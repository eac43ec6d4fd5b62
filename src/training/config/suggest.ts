/** "Did you mean …?" for misspelt keys, enum values and task names. */

/** Case, `_` and `-` do not count: `learning_rate` and `LearningRate` both mean `learningRate`. */
function normalise(word: string): string {
  return word.toLowerCase().replace(/[_-]/g, '');
}

/** Levenshtein distance (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The candidate closest to `word`, if one is close enough to be a likely typo: equal up to case and
 * separators, or within 1 edit for short words and 2 for words of 6 characters or more.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const target = normalise(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(target, normalise(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = target.length >= 6 ? 2 : 1;
  return best !== undefined && bestDistance <= allowed && bestDistance < target.length ? best : undefined;
}
