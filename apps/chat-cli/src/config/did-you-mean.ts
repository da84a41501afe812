/** Lower case without `-`, `_` and spaces: `httpstream_url`, `HttpStream-URL` and `httpstreamurl` compare equal. */
const spelling = (word: string) => word.toLowerCase().replace(/[-_\s]/g, '');

/** Edit distance (insert, delete, substitute, swap two neighbours: `modle` -> `model` is 1). */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      const swapped = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1];
      if (swapped) best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}

/**
 * The key a mistyped one most likely meant: a known alias first (`url` -> `httpstream-url`), then the
 * closest candidate at most a third of the letters off; `undefined` when nothing is close.
 */
export function didYouMean(
  word: string,
  candidates: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string | undefined {
  const alias = aliases[word] ?? aliases[spelling(word)];
  if (alias !== undefined) return alias;
  const target = spelling(word);
  const limit = Math.max(1, Math.floor(target.length / 3));
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const score = distance(target, spelling(candidate), limit);
    if (score <= limit && (best === undefined || score < best.score)) best = { candidate, score };
  }
  return best?.candidate;
}

/** `unknown key "url": did you mean "httpstream-url"?` or `unknown key "x": allowed keys are a, b`. */
export function unknownKeysMessage(
  keys: readonly string[],
  candidates: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string {
  return keys
    .map((key) => {
      const hint = didYouMean(key, candidates, aliases);
      return hint !== undefined
        ? `unknown key ${JSON.stringify(key)}: did you mean ${JSON.stringify(hint)}?`
        : `unknown key ${JSON.stringify(key)}: allowed keys are ${candidates.join(', ')}`;
    })
    .join('; ');
}
