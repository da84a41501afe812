// Lines that are not written to the history file: what looks like a credential. A heuristic, not a
// guarantee (documented as such): it catches the common key formats and `key=value` assignments.
const SECRET_PATTERNS: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{16,}/, // OpenAI-style keys
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/, // Slack tokens
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key ids
  /\bBearer\s+[A-Za-z0-9._~+/=-]{16,}/i,
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./, // JWTs
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\b(?:api[_-]?key|token|secret|password|passwd|pwd)\b\s*[=:]\s*\S+/i,
];

/**
 * Whether a line should stay out of the history file: it starts with a space (as with bash's
 * `HISTCONTROL=ignorespace`, a way to keep any line out), or it looks like it holds a credential.
 */
export function isPrivateLine(line: string): boolean {
  return line.startsWith(' ') || SECRET_PATTERNS.some((pattern) => pattern.test(line));
}
