import { createSecretBox, generateSecretBoxKey, type SecretBox, type SecretBoxConfig } from '@mcs/auth';
import { ProtocolError, ProtocolErrorCode, type ServerContext } from '@modelcontextprotocol/server';

/** How long a minted `requestState` may come back (the time a user has to answer an elicitation). */
export const DEFAULT_REQUEST_STATE_TTL_MS = 10 * 60_000;

/** Upper bound of an echoed `requestState` we try to open: anything longer is refused unread. */
const MAX_STATE_CHARS = 16 * 1024;

/**
 * The `requestState` of multi-round-trip (input-required) results, sealed with `@mcs/auth`'s secret
 * box (AES-256-GCM): the client holds it between rounds and may return it to any replica, so it
 * carries everything the handler needs (no process memory between rounds), is confidential and
 * integrity-protected (tampering fails the GCM tag), expires (`exp` inside the sealed body), and is
 * bound to the caller: the associated data names the method and the authenticated subject, client
 * and session, so state minted for one caller does not open for another.
 *
 * Every replica needs the same keys (`MCS_SECRET_KEYS`); key rotation works as for the secret box
 * (new key active, old keys still open older states).
 */
export interface RequestStateSeal {
  /** Seals `payload` for the handler named `owner` (a tool, prompt or resource name). */
  mint(owner: string, payload: unknown, ctx: ServerContext): string;
  /**
   * The SDK's `ServerOptions.requestState.verify`: opens the state, checks binding and expiry and
   * resolves with what `ctx.mcpReq.requestState()` then returns to the handler. Throws on any
   * failure (the SDK answers `-32602 Invalid or expired requestState`).
   */
  verify(state: string, ctx: ServerContext): OpenedRequestState;
}

/** What `ctx.mcpReq.requestState<OpenedRequestState>()` holds after {@link RequestStateSeal.verify}. */
export interface OpenedRequestState {
  readonly owner: string;
  readonly payload: unknown;
}

export interface RequestStateSealOptions {
  /** `MCS_SECRET_KEYS`; unset: an ephemeral key (states open only on the replica that minted them). */
  readonly keys?: SecretBoxConfig;
  readonly ttlMs?: number;
  /** Test clock. */
  readonly now?: () => number;
}

interface SealedBody {
  readonly o: string;
  readonly p: unknown;
  readonly exp: number;
}

/** Who a state belongs to: the method, the authenticated principal and the session, if any. */
function bindingOf(ctx: ServerContext): string {
  const auth = ctx.http?.authInfo;
  const subject = typeof auth?.extra?.sub === 'string' ? auth.extra.sub : '';
  return ['mcs.requestState.v1', ctx.mcpReq.method, subject, auth?.clientId ?? '', ctx.sessionId ?? ''].join('\0');
}

export function createRequestStateSeal(options: RequestStateSealOptions = {}): RequestStateSeal {
  const box: SecretBox = createSecretBox(options.keys ?? { keys: [{ id: 'ephemeral', key: generateSecretBoxKey() }] });
  const ttlMs = options.ttlMs ?? DEFAULT_REQUEST_STATE_TTL_MS;
  const now = options.now ?? Date.now;
  return {
    mint(owner, payload, ctx) {
      const body: SealedBody = { o: owner, p: payload, exp: now() + ttlMs };
      return box.sealJson(body, { associatedData: bindingOf(ctx) });
    },
    verify(state, ctx) {
      // The thrown reasons go to the server's onerror only; the wire answer is the SDK's fixed one.
      if (state.length > MAX_STATE_CHARS) throw new Error('requestState too long');
      const body = box.openJson(state, { associatedData: bindingOf(ctx) }) as Partial<SealedBody> | null;
      if (body === null || typeof body !== 'object' || typeof body.o !== 'string' || typeof body.exp !== 'number') {
        throw new Error('requestState malformed');
      }
      if (body.exp <= now()) throw new Error('requestState expired');
      return { owner: body.o, payload: body.p };
    },
  };
}

/**
 * The verified payload of this round's `requestState` for the handler `owner`; `undefined` when
 * the round carried none. A state minted by another handler (a client replaying one tool's state to
 * another) is refused with `-32602`.
 */
export function requestStateFor<T>(ctx: ServerContext, owner: string): T | undefined {
  const opened = ctx.mcpReq.requestState<OpenedRequestState | string>();
  if (opened === undefined) return undefined;
  if (typeof opened === 'string' || opened.owner !== owner) {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid or expired requestState');
  }
  return opened.payload as T;
}
