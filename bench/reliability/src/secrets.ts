// The secrets check: every log line the scenario's processes wrote is searched for every secret the
// scenario used (passwords, keys, tokens, the Redis password, backend credentials). None may appear,
// in full or as a long enough piece (a token cut by a log formatter still leaks).
export interface SecretHit {
  secret: string;
  file: string;
  /** The line, with the secret itself masked, for the report. */
  line: string;
}

/** Pieces of each secret that would still be a leak: the whole value, and its first and last 24 chars. */
function needles(value: string): string[] {
  if (value.length <= 32) return [value];
  return [value, value.slice(0, 24), value.slice(-24)];
}

export function findSecrets(logs: Map<string, string>, secrets: Map<string, string>): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const [file, text] of logs) {
    for (const [secret, value] of secrets) {
      if (value.length < 8) throw new Error(`secret "${secret}" is too short to search for reliably`);
      for (const needle of needles(value)) {
        const at = text.indexOf(needle);
        if (at < 0) continue;
        const start = text.lastIndexOf('\n', at) + 1;
        const end = text.indexOf('\n', at);
        const line = text
          .slice(start, end < 0 ? undefined : end)
          .split(needle)
          .join('***');
        hits.push({ secret, file, line: line.slice(0, 300) });
        break;
      }
    }
  }
  return hits;
}

/** Total log lines read, so a report can say how much was searched. */
export function lineCount(logs: Map<string, string>): number {
  let lines = 0;
  for (const text of logs.values()) lines += text.split('\n').filter(Boolean).length;
  return lines;
}
