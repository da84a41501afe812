import { randomUUID } from 'node:crypto';
import { quoteValue } from '@mcs/resilience';
import type { JsonValue, SessionStore } from '@mcs/session-store';
import { z } from 'zod';
import { fetchClientMetadataDocument } from './client-metadata-document.js';
import { OAuthError } from './oauth-error.js';
import { redirectUriProblem } from './redirect-uri.js';
import { isStoreKey } from './store-key.js';

/** A client as this server knows it: registered (RFC 7591) or described by its metadata document. */
export interface OAuthClient {
  client_id: string;
  client_id_issued_at?: number;
  redirect_uris: string[];
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
  scope?: string;
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: 'none';
  software_id?: string;
  software_version?: string;
}

const httpsUrl = z.url({ protocol: /^https?$/ }).max(2048);

/** RFC 7591 §2 client metadata, as far as this server uses it; unknown fields are dropped. */
const ClientMetadataSchema = z.object({
  redirect_uris: z.array(z.string().max(2048)).min(1).max(20),
  client_name: z.string().max(200).optional(),
  client_uri: httpsUrl.optional(),
  logo_uri: httpsUrl.optional(),
  scope: z.string().max(1000).optional(),
  grant_types: z.array(z.string()).max(10).optional(),
  response_types: z.array(z.string()).max(10).optional(),
  token_endpoint_auth_method: z.string().optional(),
  software_id: z.string().max(200).optional(),
  software_version: z.string().max(200).optional(),
});

const SUPPORTED_GRANTS = new Set(['authorization_code', 'refresh_token']);
const CLIENT_NAMESPACE = 'oauth-client';
const CLIENT_TTL_MS = 365 * 24 * 3600 * 1000;
const CIMD_CACHE_MS = 5 * 60 * 1000;
const CIMD_CACHE_MAX = 1000;

export interface ClientRegistryOptions {
  store: SessionStore;
  /** Client ID Metadata Documents on loopback (tests only). */
  cimdAllowLoopback: boolean;
}

/**
 * Clients in the SessionStore (`oauth-client` records, one year), so every replica knows them. Only
 * public clients (`token_endpoint_auth_method: none`, PKCE) are registered: a client asking for a
 * secret-based method is registered as public and told so in the answer (RFC 7591 §3.2.1 lets the
 * server replace requested values).
 */
export class ClientRegistry {
  readonly #store: SessionStore;
  readonly #allowLoopback: boolean;
  readonly #documents = new Map<string, { client: OAuthClient; expiresAt: number }>();

  constructor(options: ClientRegistryOptions) {
    this.#store = options.store;
    this.#allowLoopback = options.cimdAllowLoopback;
  }

  /** RFC 7591 registration: validates the metadata, stores the client, returns what was registered. */
  async register(body: unknown): Promise<OAuthClient> {
    const client = validateMetadata(body, `mcs-${randomUUID()}`);
    client.client_id_issued_at = Math.floor(Date.now() / 1000);
    await this.#store.putRecord(CLIENT_NAMESPACE, client.client_id, client as unknown as JsonValue, {
      ttlMs: CLIENT_TTL_MS,
    });
    return client;
  }

  /** The client, or undefined when unknown. An https `client_id` is a metadata document URL (fetched, cached). */
  async get(clientId: string): Promise<OAuthClient | undefined> {
    if (/^https?:\/\//.test(clientId)) return this.#fromDocument(clientId);
    if (!isStoreKey(clientId)) return undefined;
    const value = await this.#store.getRecord(CLIENT_NAMESPACE, clientId);
    return value === undefined ? undefined : (value as unknown as OAuthClient);
  }

  async #fromDocument(clientId: string): Promise<OAuthClient> {
    const cached = this.#documents.get(clientId);
    if (cached && cached.expiresAt > Date.now()) return cached.client;
    let url: URL;
    try {
      url = new URL(clientId);
    } catch {
      throw new OAuthError('invalid_client', 'client_id is not a valid URL', { status: 400 });
    }
    // draft-ietf-oauth-client-id-metadata-document: https, a path, no fragment, no credentials.
    if (url.hash !== '' || url.username !== '' || url.pathname === '/') {
      throw new OAuthError('invalid_client', 'a client_id URL needs a path and no fragment or credentials', {
        status: 400,
      });
    }
    let document: unknown;
    try {
      document = await fetchClientMetadataDocument(url, { allowLoopback: this.#allowLoopback });
    } catch (error) {
      // The fetch's own reason (what the host resolved to, that it did not resolve, that it refused the
      // connection) would let anyone probe internal names through this page: it stays in `cause`,
      // which only the server log shows.
      throw new OAuthError(
        'invalid_client',
        `The client could not be verified: its metadata document ${quoteValue(clientId)} could not be fetched (it must be served over https from a public address, as JSON, without redirects)`,
        { status: 400, cause: error },
      );
    }
    if ((document as { client_id?: unknown } | null)?.client_id !== clientId) {
      throw new OAuthError('invalid_client', 'the client metadata document must name its own URL as client_id', {
        status: 400,
      });
    }
    const client = validateMetadata(document, clientId);
    if (this.#documents.size >= CIMD_CACHE_MAX) this.#documents.clear();
    this.#documents.set(clientId, { client, expiresAt: Date.now() + CIMD_CACHE_MS });
    return client;
  }
}

function validateMetadata(body: unknown, clientId: string): OAuthClient {
  const parsed = ClientMetadataSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new OAuthError('invalid_client_metadata', `Invalid client metadata: ${problems}`);
  }
  const m = parsed.data;
  for (const uri of m.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new OAuthError('invalid_redirect_uri', `Invalid redirect URI: ${problem}`);
  }
  const grantTypes = m.grant_types ?? ['authorization_code', 'refresh_token'];
  const unsupported = grantTypes.filter((grant) => !SUPPORTED_GRANTS.has(grant));
  if (unsupported.length > 0 || !grantTypes.includes('authorization_code')) {
    throw new OAuthError(
      'invalid_client_metadata',
      `grant_types must include authorization_code and may add refresh_token; unsupported: ${unsupported.join(', ') || 'none'}`,
    );
  }
  const responseTypes = m.response_types ?? ['code'];
  if (responseTypes.some((type) => type !== 'code')) {
    throw new OAuthError('invalid_client_metadata', 'response_types may only contain "code"');
  }
  return {
    client_id: clientId,
    redirect_uris: m.redirect_uris,
    grant_types: grantTypes,
    response_types: responseTypes,
    token_endpoint_auth_method: 'none',
    ...(m.client_name === undefined ? {} : { client_name: m.client_name }),
    ...(m.client_uri === undefined ? {} : { client_uri: m.client_uri }),
    ...(m.logo_uri === undefined ? {} : { logo_uri: m.logo_uri }),
    ...(m.scope === undefined ? {} : { scope: m.scope }),
    ...(m.software_id === undefined ? {} : { software_id: m.software_id }),
    ...(m.software_version === undefined ? {} : { software_version: m.software_version }),
  };
}
