import type { BackendAuthorization } from '@mcs/transports';
import type { OAuthClientProvider } from '@modelcontextprotocol/client';
import type { Authorizer } from './authorizer.js';
import type { BackendAuthConfig } from './backend-auth-config.js';
import { LoopbackAuthorizer } from './loopback-authorizer.js';
import { PoolOAuthProvider } from './pool-oauth-provider.js';
import { createMemoryTokenStore, type TokenStore } from './token-store.js';

/** The runtime half of the pool's OAuth (the config holds the serializable half, per backend `auth`). */
export interface PoolAuthOptions {
  /**
   * Sends the user to sign in for `authorization_code` backends. Default: a loopback authorizer
   * (free port on 127.0.0.1, prints the URL and opens the browser) that the pool closes with itself.
   * `false`: never sign in interactively (scripts, CI): stored tokens are used and refreshed, and a
   * backend that would need a sign-in fails at once with `UNAUTHENTICATED` instead of waiting.
   */
  authorizer?: Authorizer | false;
  /** Where clients and tokens are kept. Default: in memory (every process signs in again). */
  tokenStore?: TokenStore;
  /**
   * An `OAuthClientProvider` of your own for a backend (by name), used as it is instead of the
   * pool's: e.g. the SDK's `CrossAppAccessProvider` for enterprise-managed authorization.
   */
  providers?: Record<string, OAuthClientProvider>;
}

export interface PoolAuth {
  /** The transports' authorization of one backend, or `undefined` when it has none. */
  forBackend(name: string, url: string, config: BackendAuthConfig | undefined): BackendAuthorization | undefined;
  /** Closes the authorizer the pool created (not one the application passed in). */
  close(): Promise<void>;
}

export function createPoolAuth(options: PoolAuthOptions = {}, clientName = 'mcs-provider-sdk'): PoolAuth {
  const tokenStore = options.tokenStore ?? createMemoryTokenStore();
  let ownAuthorizer: LoopbackAuthorizer | undefined;
  const authorizer = (): Authorizer | undefined => {
    if (options.authorizer === false) return undefined;
    if (options.authorizer) return options.authorizer;
    ownAuthorizer ??= new LoopbackAuthorizer();
    return ownAuthorizer;
  };
  return {
    forBackend(name, url, config) {
      const own = options.providers?.[name];
      if (own) return { provider: own, awaitAuthorization: async () => undefined };
      if (!config) return undefined;
      const provider = new PoolOAuthProvider({
        backend: name,
        serverUrl: url,
        config,
        store: tokenStore,
        // The loopback listener starts only for a backend that may have to sign in.
        authorizer: config.grant === 'client_credentials' ? undefined : authorizer(),
        clientName,
      });
      return {
        provider,
        awaitAuthorization: () => provider.awaitAuthorization(),
        prepare: () => provider.prepare(),
        skipIssuerMetadataValidation: config.skipIssuerMetadataValidation,
        maxAuthorizations: config.maxAuthorizations,
      };
    },
    async close() {
      await ownAuthorizer?.close();
    },
  };
}
