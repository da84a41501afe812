import type { Metadata } from '@grpc/grpc-js';
import type { Principal } from '@mcs/auth';
import type { Logger } from 'pino';

/** What every handler and interceptor knows about the call it runs in. */
export interface CallContext {
  /** The RPC's short name (`CallTool`). */
  method: string;
  /** Unique per call; in every log line of the call and in the `mcs-call-id` trailer. */
  callId: string;
  metadata: Metadata;
  peer: string;
  logger: Logger;
  /** Aborted when the client cancels, the deadline passes, the gateway shuts down, or `abort` is called. */
  signal: AbortSignal;
  /** Ends the call from inside the chain (its token was revoked): aborts `signal` with `reason`. */
  abort(reason: Error): void;
  /** The verified caller; undefined with auth off. Set by the auth interceptor. */
  principal: Principal | undefined;
  /** Set by CallTool once the tool is known (metrics labels, logs, spans). */
  tool?: string;
  backend?: string;
}

/**
 * An interceptor wraps the rest of the chain (and the handler): it may read or enrich the context
 * before `next()`, and observe the outcome (a throw) after it, like nice-grpc middleware.
 */
export type Interceptor = (context: CallContext, next: () => Promise<void>) => Promise<void>;

/** Runs `handler` inside `interceptors`, first one outermost. */
export function runIntercepted(
  interceptors: readonly Interceptor[],
  context: CallContext,
  handler: () => Promise<void>,
): Promise<void> {
  const step = (index: number): Promise<void> => {
    const interceptor = interceptors[index];
    return interceptor ? interceptor(context, () => step(index + 1)) : handler();
  };
  return step(0);
}
