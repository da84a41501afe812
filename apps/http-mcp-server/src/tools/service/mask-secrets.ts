/** What replaces a secret in anything the `service` tool returns or logs. */
export const SECRET_MASK = '[redacted]';

/** Secrets shorter than this are not masked: masking "a" would shred every text. */
const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of each secret in `text` with {@link SECRET_MASK}, longest first. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  if (secrets.length === 0) return text; // the common call: no credentials, nothing to mask
  const usable = [...new Set(secrets)].filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  usable.sort((a, b) => b.length - a.length);
  let masked = text;
  for (const secret of usable) masked = masked.split(secret).join(SECRET_MASK);
  return masked;
}
