import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Metadata, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, status } from '@grpc/grpc-js';
import type { Principal } from '@mcs/auth';
import type { Logger } from 'pino';
import { toServiceError } from '../error-status.js';
import { GatewayError } from '../gateway-error.js';
import { type CallContext, type Interceptor, runIntercepted } from '../interceptors/call-context.js';
import { assertWellFormed } from './malformed-request.js';

export interface HandlerEnvironment {
  logger: Logger;
  interceptors: readonly Interceptor[];
  /** Aborted when the gateway shuts down: running calls are cancelled after the drain timeout. */
  shutdownSignal: AbortSignal;
}

/**
 * The context of one call. The per-call logger (a pino child with the call id), the peer string and the
 * abort signal are built on first use: most calls never log below the configured level, a native tool
 * like echo never looks at its signal, and each of them costs measurable time on a short call (an
 * AbortController is an EventTarget: about a tenth of a native call's CPU in a profile). An abort
 * before the signal exists is remembered and the signal is born aborted.
 */
class HandlerCallContext implements CallContext {
  principal: Principal | undefined = undefined;
  tool?: string;
  backend?: string;
  private childLogger: Logger | undefined;
  private controller: AbortController | undefined;
  /** Set once the call was aborted (cancelled, shut down, token revoked), with why. */
  aborted = false;
  abortReason: unknown;

  constructor(
    readonly method: string,
    readonly callId: string,
    private readonly call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>,
    private readonly rootLogger: Logger,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  get metadata(): Metadata {
    return this.call.metadata;
  }

  get peer(): string {
    return this.call.getPeer();
  }

  get logger(): Logger {
    this.childLogger ??= this.rootLogger.child({ callId: this.callId, method: this.method });
    return this.childLogger;
  }

  set logger(logger: Logger) {
    this.childLogger = logger;
  }
}

/**
 * Aborts running calls when the gateway shuts down. One listener on the shutdown signal and a Set of
 * running calls, instead of an EventTarget listener added and removed per call.
 */
const runningCalls = new WeakMap<AbortSignal, Set<HandlerCallContext>>();

function trackShutdown(shutdownSignal: AbortSignal, context: HandlerCallContext): () => void {
  let running = runningCalls.get(shutdownSignal);
  if (running === undefined) {
    const calls = new Set<HandlerCallContext>();
    running = calls;
    runningCalls.set(shutdownSignal, calls);
    shutdownSignal.addEventListener(
      'abort',
      () => {
        for (const each of calls) each.abort(new GatewayError('SHUTTING_DOWN', 'The gateway is shutting down.'));
      },
      { once: true },
    );
  }
  if (shutdownSignal.aborted) {
    context.abort(new GatewayError('SHUTTING_DOWN', 'The gateway is shutting down.'));
    return () => undefined;
  }
  const calls = running;
  calls.add(context);
  return () => calls.delete(context);
}

function createContext(
  method: string,
  call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>,
  environment: HandlerEnvironment,
): { context: HandlerCallContext; trailers: () => Metadata; dispose: () => void } {
  const callId = randomUUID();
  const context = new HandlerCallContext(method, callId, call, environment.logger);
  const onCancel = () => context.abort(new GatewayError('CANCELLED', 'The client cancelled the call.'));
  call.once('cancelled', onCancel);
  const untrack = trackShutdown(environment.shutdownSignal, context);
  return {
    context,
    // The call id travels in the trailers: sending it as early headers would cost an extra HTTP/2 frame
    // (and a client wake-up) per call, a measurable share of a short call.
    trailers: () => {
      const metadata = new Metadata();
      metadata.set('mcs-call-id', callId);
      return metadata;
    },
    dispose: () => {
      call.off('cancelled', onCancel);
      untrack();
    },
  };
}

/**
 * A call that stopped because it was aborted (the client cancelled, a deadline passed, the gateway cut it
 * off at shutdown) did not succeed, even when its status can no longer reach anyone: its outcome is the
 * abort's reason, so that the log line, metrics and span say CANCELLED / UNAVAILABLE instead of OK.
 */
function throwIfAborted(context: HandlerCallContext): void {
  if (context.aborted) throw context.abortReason;
}

/** A grpc-js unary handler around `impl`, run inside the interceptors; any throw becomes a status. */
export function unaryHandler<Request, Response>(
  method: string,
  environment: HandlerEnvironment,
  impl: (request: Request, context: CallContext) => Promise<Response>,
) {
  return (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => {
    const { context, trailers, dispose } = createContext(method, call, environment);
    let response: Response | undefined;
    runIntercepted(environment.interceptors, context, async () => {
      assertWellFormed(method, call.request);
      response = await impl(call.request, context);
      throwIfAborted(context);
    })
      .then(
        () => callback(null, response, trailers()),
        (error: unknown) => callback(toServiceError(error, trailers())),
      )
      .finally(dispose);
  };
}

/**
 * A grpc-js server-streaming handler that writes what `impl` yields, honouring flow control (waits for
 * `drain`), and stops pulling as soon as the client cancels.
 */
export function serverStreamHandler<Request, Response>(
  method: string,
  environment: HandlerEnvironment,
  impl: (request: Request, context: CallContext) => AsyncIterable<Response>,
) {
  return (call: ServerWritableStream<Request, Response>) => {
    const { context, trailers, dispose } = createContext(method, call, environment);
    runIntercepted(environment.interceptors, context, async () => {
      assertWellFormed(method, call.request);
      for await (const message of impl(call.request, context)) {
        if (call.cancelled) break;
        // An aborted call's signal never fires again: do not wait for it.
        if (!call.write(message) && !context.aborted) {
          await Promise.race([once(call, 'drain'), once(context.signal, 'abort')]);
        }
      }
      throwIfAborted(context);
    })
      .then(
        () => {
          if (!call.cancelled) call.end(trailers());
        },
        (error: unknown) => {
          if (call.cancelled) return;
          const serviceError = toServiceError(error, trailers());
          call.emit('error', { ...serviceError, code: serviceError.code ?? status.UNKNOWN });
        },
      )
      .finally(dispose);
  };
}
