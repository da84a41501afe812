const SECRET_KEY = /key|token|secret|password|authorization|cookie/i;
// Header and environment values are credentials more often than not (Authorization, API keys).
const SECRET_MAPS = new Set(['headers', 'env']);

/** A copy of `value` fit to print: secret-looking fields and every header and env value replaced. */
export function redactConfig(value: unknown, redactAll = false): unknown {
  if (Array.isArray(value)) return value.map((item) => redactConfig(item, redactAll));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        redactAll || (SECRET_KEY.test(key) && typeof item !== 'object')
          ? '[redacted]'
          : redactConfig(item, SECRET_MAPS.has(key)),
      ]),
    );
  }
  return redactAll ? '[redacted]' : value;
}
