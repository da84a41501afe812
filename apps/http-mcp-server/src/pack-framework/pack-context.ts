import type { AuthInfo, ServerNotifier } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { RequestStateSeal } from '../mcp/stateless/request-state.js';
import type { TaskStore } from '../mcp/stateless/tasks/task-store.js';
import type { ResourceSubscriptionStore } from '../resources/resource-subscriptions.js';
import type { UpstreamLogin } from '../upstream/upstream-login.js';
import type {
  ServiceMethod,
  ServiceToolSettings,
  UpstreamCredentialProvider,
  UpstreamCredentialRequest,
  UpstreamCredentials,
} from './service-upstream.js';

export type {
  ServiceMethod,
  ServiceToolSettings,
  UpstreamCredentialProvider,
  UpstreamCredentialRequest,
  UpstreamCredentials,
};

/** Who is calling, as the `whoami` tool reports it. */
export interface CallerIdentity {
  readonly subject: string;
  readonly clientId?: string;
  readonly scopes?: readonly string[];
  readonly [claim: string]: unknown;
}

/** Maps the transport's validated token to an identity; the auth issue supplies a richer one. */
export type IdentityResolver = (authInfo: AuthInfo) => CallerIdentity | undefined;

/**
 * Everything tools, resources and prompts need from the app. One context is shared by every
 * McpServer instance the app creates; nothing in it is per-session.
 */
export interface PackContext {
  /** pino logger; tools log through child loggers carrying the tool name and session id. */
  readonly logger: Logger;
  /** Upstream settings of the `service` tool. */
  readonly service?: ServiceToolSettings;
  /** Credentials of the `service` tool's upstream (none until the auth issue plugs one in). */
  readonly credentials?: UpstreamCredentialProvider;
  /** Identity of the caller from the token (default: `sub`/`clientId`/`scopes` of AuthInfo). */
  readonly identity?: IdentityResolver;
  /**
   * Where `resources/subscribe` is recorded. Default: in memory, per McpServer instance; plug a
   * shared store so that subscriptions survive a request landing on another replica.
   */
  readonly resourceSubscriptions?: ResourceSubscriptionStore;
  /** The upstream login flow of the `login`/`logout` tools and `whoami` (unset: not configured). */
  readonly upstreamLogin?: UpstreamLogin;
  /**
   * Change events for 2026-07-28 clients, which hold no session and learn of changes on their
   * `subscriptions/listen` streams: `resourceUpdated(uri)` reaches the streams subscribed to `uri`,
   * `toolsChanged()` / `promptsChanged()` / `resourcesChanged()` those that asked for that list, on
   * every replica. The app wires the SDK handler's `notify` here; unset (tests, embedders without a
   * listen endpoint), there is nobody to tell. 2025-era sessions are not reached through it: tell
   * them through the McpServer (see `announceResourceUpdated` in `src/resources/`).
   */
  readonly changes?: ServerNotifier;
  /**
   * Seals the `requestState` of input-required results (multi round trip) so that the retried
   * request may land on any replica; the server factory wires its `verify` into every McpServer.
   * Unset: the factory uses an ephemeral key (one process only).
   */
  readonly requestState?: RequestStateSeal;
  /**
   * Where tasks (the 2026-07-28 tasks extension) live, so that any replica answers for them. Unset:
   * an in-memory store per context (one process only).
   */
  readonly tasks?: TaskStore;
}
