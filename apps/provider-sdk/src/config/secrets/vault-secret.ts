import { z } from 'zod';
import { pickField, SecretLookupError, type SecretReference, type SecretResolver } from './secret-resolver.js';

export interface VaultSecretOptions {
  /** Vault's address, e.g. `https://vault.example:8200`; default `VAULT_ADDR`. */
  address?: string;
  /** Token sent as `X-Vault-Token`; default `VAULT_TOKEN`. */
  token?: string;
  /** Enterprise namespace (`X-Vault-Namespace`); default `VAULT_NAMESPACE`. */
  namespace?: string;
  /** Per request, ms (default 10 000). */
  timeoutMs?: number;
}

/** KV v2's read answer: the secret's key-value pairs sit in `data.data`. */
const KvReadSchema = z.object({
  data: z.object({ data: z.record(z.string(), z.unknown()).nullable() }),
});

const categoryOfStatus = (status: number) =>
  status === 403
    ? 'permission_denied'
    : status === 401
      ? 'unauthenticated'
      : status === 404
        ? 'not_found'
        : status === 429 || status >= 500
          ? 'unavailable'
          : 'protocol';

/** `kv/app/db?version=2` -> mount `kv`, path `app/db`, version 2. */
function locate(reference: SecretReference): { mount: string; path: string; version: string | undefined } {
  const [location = '', query = ''] = reference.target.split('?', 2);
  const [mount = '', ...rest] = location.split('/').filter(Boolean);
  const version = new URLSearchParams(query).get('version') ?? undefined;
  if (mount === '' || rest.length === 0 || (version !== undefined && !/^\d+$/.test(version))) {
    throw new SecretLookupError('invalid_input', 'write secret:vault:<mount>/<path>[?version=N]#<field>');
  }
  return { mount, path: rest.join('/'), version };
}

/**
 * `secret:vault:<mount>/<path>#<field>`: HashiCorp Vault's KV version 2 engine over its HTTP API
 * (`GET /v1/<mount>/data/<path>` with the token in `X-Vault-Token`). Without `#field` the secret must
 * hold exactly one field.
 */
export function createVaultSecretResolver(options: VaultSecretOptions = {}): SecretResolver {
  return {
    async resolve(reference, context) {
      const { mount, path, version } = locate(reference);
      const address = options.address ?? context.env.VAULT_ADDR;
      const token = options.token ?? context.env.VAULT_TOKEN;
      const namespace = options.namespace ?? context.env.VAULT_NAMESPACE;
      if (address === undefined || address === '') {
        throw new SecretLookupError('invalid_input', 'no Vault address: set VAULT_ADDR or pass vault.address');
      }
      if (token === undefined || token === '') {
        throw new SecretLookupError('unauthenticated', 'no Vault token: set VAULT_TOKEN or pass vault.token');
      }
      let url: URL;
      try {
        url = new URL(
          `v1/${encodeURIComponent(mount)}/data/${path.split('/').map(encodeURIComponent).join('/')}`,
          `${address.replace(/\/+$/, '')}/`,
        );
      } catch {
        throw new SecretLookupError('invalid_input', 'the Vault address is not a URL');
      }
      if (version !== undefined) url.searchParams.set('version', version);
      const headers: Record<string, string> = { 'X-Vault-Token': token, Accept: 'application/json' };
      if (namespace) headers['X-Vault-Namespace'] = namespace;
      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(options.timeoutMs ?? 10_000)]);
      let response: Response;
      try {
        response = await fetch(url, { headers, signal, redirect: 'error' });
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        throw new SecretLookupError(
          timedOut ? 'timeout' : 'unavailable',
          `Vault at ${url.origin} did not answer${timedOut ? ' in time' : ''}`,
          {
            cause: error,
          },
        );
      }
      const body: unknown = await response.json().catch(() => undefined);
      if (!response.ok) {
        const reason =
          response.status === 404
            ? 'no such secret (or version) in the KV v2 mount'
            : response.status === 403
              ? 'the token may not read it (permission denied)'
              : `HTTP ${response.status}`;
        throw new SecretLookupError(categoryOfStatus(response.status), `Vault answered ${response.status}: ${reason}`);
      }
      const parsed = KvReadSchema.safeParse(body);
      if (!parsed.success) {
        throw new SecretLookupError(
          'protocol',
          'Vault answered without data.data: is the mount a KV version 2 engine?',
        );
      }
      if (parsed.data.data.data === null) throw new SecretLookupError('not_found', 'the secret version is deleted');
      return pickField(parsed.data.data.data, reference);
    },
  };
}
