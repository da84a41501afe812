import { didYouMean } from '@mcs/provider-sdk';

/**
 * The key a mistyped one most likely meant: a known alias first (`url` -> `httpstream-url`, names
 * other formats use), then the provider-sdk's spelling-insensitive nearest candidate.
 */
export function suggestKey(
  word: string,
  candidates: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string | undefined {
  const alias = aliases[word] ?? aliases[word.toLowerCase().replace(/[-_\s]/g, '')];
  return alias ?? didYouMean(word, candidates);
}

/** `unknown key "url": did you mean "httpstream-url"?` or `unknown key "x": allowed keys are a, b`. */
export function unknownKeysMessage(
  keys: readonly string[],
  candidates: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string {
  return keys
    .map((key) => {
      const hint = suggestKey(key, candidates, aliases);
      return hint !== undefined
        ? `unknown key ${JSON.stringify(key)}: did you mean ${JSON.stringify(hint)}?`
        : `unknown key ${JSON.stringify(key)}: allowed keys are ${candidates.join(', ')}`;
    })
    .join('; ');
}
