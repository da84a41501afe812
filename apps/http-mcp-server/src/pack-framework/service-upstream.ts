import type { AuthInfo } from '@modelcontextprotocol/server';

// What the `service` tool needs from the app: its settings and the credentials of its upstream (the
// upstream login flow supplies them). Apart from PackContext so that the login flow can name them
// without depending on the whole context.

/** HTTP methods the `service` tool may use towards its upstream. */
export type ServiceMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Settings of the `service` tool (the generic upstream caller of the `default` pack). */
export interface ServiceToolSettings {
  /**
   * Base URL of the one upstream the tool may call (http or https). Requests go to this origin only,
   * under this path. Unset: the tool is still listed, and every call answers "not configured".
   */
  readonly baseUrl?: string;
  /** Abort an upstream call after this many milliseconds. Default 10 000. */
  readonly timeoutMs?: number;
  /** Largest upstream response body read, in bytes; larger bodies fail the call. Default 1 MiB. */
  readonly maxResponseBytes?: number;
  /** Methods callers may use. Default: all of {@link ServiceMethod}. */
  readonly allowedMethods?: readonly ServiceMethod[];
  /** Headers sent on every upstream request (e.g. a static `user-agent`); credentials go through {@link PackContext.credentials}. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Ask the user before calling the upstream (an input-required elicitation, one round trip):
   * `off` (default) never, `writes` before POST/PUT/PATCH/DELETE, `all` before every call.
   */
  readonly confirm?: ServiceConfirmation;
}

/** When the `service` tool asks for a confirmation first (`MCS_SERVICE_CONFIRM`). */
export type ServiceConfirmation = 'off' | 'writes' | 'all';

/** What a credential provider is asked for: one upstream call on behalf of one MCP request. */
export interface UpstreamCredentialRequest {
  readonly sessionId: string | undefined;
  readonly authInfo: AuthInfo | undefined;
  readonly method: ServiceMethod;
  readonly url: URL;
}

/** Credentials for one upstream call. */
export interface UpstreamCredentials {
  /** Headers added to the upstream request (e.g. `authorization`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Values that must never reach the model: masked out of everything the tool returns or logs. */
  readonly secrets?: readonly string[];
}

/**
 * Plug-in point for the authorization issue: returns the credentials the upstream needs for this
 * caller, or `undefined` to call it without any.
 */
export type UpstreamCredentialProvider = (
  request: UpstreamCredentialRequest,
) => Promise<UpstreamCredentials | undefined> | UpstreamCredentials | undefined;
