import type { ErrorCategory } from '@mcs/resilience';

/** A parsed `secret:<scheme>:<target>#<field>` reference. */
export interface SecretReference {
  /** The reference as written (safe to show: it names a secret, it is not one). */
  text: string;
  scheme: string;
  /** What the scheme looks up: a variable name, a path, `<mount>/<path>`, a secret id. */
  target: string;
  /** The key inside a secret that holds several (`#field`). */
  field: string | undefined;
}

export interface SecretResolveContext {
  signal: AbortSignal;
  /** Relative `file:` paths resolve against this (the config file's folder). */
  baseDir: string;
  env: Record<string, string | undefined>;
}

/** Looks a secret up; throws a {@link SecretLookupError} (or anything: it is wrapped) when it cannot. */
export interface SecretResolver {
  resolve(reference: SecretReference, context: SecretResolveContext): Promise<string>;
}

/**
 * Why one lookup failed, said without the secret: the loader turns it into a `SECRET_UNRESOLVED`
 * `ProviderError` naming the field and the reference.
 */
export class SecretLookupError extends Error {
  override readonly name = 'SecretLookupError';
  readonly category: ErrorCategory;

  constructor(category: ErrorCategory, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.category = category;
  }
}

const SCHEME = /^[a-z][a-z0-9-]*$/;

/** `secret:vault:kv/app#api_key` -> scheme `vault`, target `kv/app`, field `api_key`; other strings: `undefined`. */
export function parseSecretReference(text: string): SecretReference | undefined {
  if (!text.startsWith('secret:')) return undefined;
  const body = text.slice('secret:'.length);
  const colon = body.indexOf(':');
  const scheme = colon < 0 ? body : body.slice(0, colon);
  const rest = colon < 0 ? '' : body.slice(colon + 1);
  const hash = rest.lastIndexOf('#');
  const target = hash < 0 ? rest : rest.slice(0, hash);
  const field = hash < 0 ? undefined : rest.slice(hash + 1);
  return { text, scheme: SCHEME.test(scheme) ? scheme : '', target, field: field === '' ? undefined : field };
}

/** The value of `field` in a secret that is a JSON object / key-value map, or the only value it has. */
export function pickField(values: Record<string, unknown>, reference: SecretReference): string {
  const keys = Object.keys(values);
  const field = reference.field ?? (keys.length === 1 ? keys[0] : undefined);
  if (field === undefined) {
    const shown = keys.slice(0, 20).join(', ');
    throw new SecretLookupError(
      'invalid_input',
      `the secret holds ${keys.length} fields (${shown}): name one with #field`,
    );
  }
  const value = values[field];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined) {
    throw new SecretLookupError(
      'not_found',
      `the secret has no field "${field}" (it has: ${keys.slice(0, 20).join(', ')})`,
    );
  }
  throw new SecretLookupError('invalid_input', `field "${field}" of the secret is not a string`);
}
