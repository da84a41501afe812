import { spellingKey } from './schema-walk.js';

/** Edit distance (insert, delete, substitute, swap two neighbours), bounded: above `limit` is `limit + 1`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}

/**
 * The candidate a mistyped name most likely meant (`comand` -> `command`, `max_step` -> `maxSteps`),
 * compared spelling-insensitively; `undefined` when nothing is close (at most a third of the letters off).
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const target = spellingKey(word);
  const limit = Math.max(1, Math.floor(target.length / 3));
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const score = distance(target, spellingKey(candidate), limit);
    if (score <= limit && (best === undefined || score < best.score)) best = { candidate, score };
  }
  return best?.candidate;
}
