import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';

/**
 * How often, while draining, connections that went idle are closed. Node's `server.close()` closes
 * the keep-alive connections idle when it is called; one whose request (or stream) ends later would
 * stay open until the client or the keep-alive timeout (72 s) drops it, and `close()` waits for it.
 */
const DRAIN_IDLE_SWEEP_MS = 100;

export interface GracefulDrainOptions {
  logger: Logger;
  /** `MCS_SHUTDOWN_TIMEOUT_MS`: the whole drain; the steps below run at fractions of it. */
  shutdownTimeoutMs: number;
  /** `MCS_SSE_RETRY_MS`: the retry hint every ended stream carries. */
  sseRetryMs: number;
  /** 2025 GET and resumed streams, 2024-11-05 /sse streams of this replica. */
  streams: { readonly size: number; closeAll(retryMs: number): void };
  /** 2026-07-28 listen streams (one event-bus listener each). */
  listenStreams: { readonly listenerCount: number };
  /** The 2026-07-28 handler: ends its listen streams, then aborts what is left of its requests. */
  stateless: { closeListenStreams(): Promise<void>; close(): Promise<void> };
  /** Requests of 2025 sessions and /http still running: answered "cut off, retry" (returns how many). */
  cutOffExchanges(): number;
  /** Runs last, once every connection has ended: stop the bus listeners, close the store. */
  release(): Promise<void>;
}

/**
 * Graceful drain on `app.close()` (SIGTERM): Fastify answers new requests with 503 (`return503OnClosing`),
 * then this plugin ends open streams with a retry hint, gives requests in flight the drain time to
 * finish, cuts off what is still running with an answer that says so, and closes each connection as
 * soon as its answer is out. Registered at the root (fastify-plugin): the hooks are the app's own.
 */
const gracefulDrain: FastifyPluginAsync<GracefulDrainOptions> = async (app, options) => {
  const { logger, shutdownTimeoutMs, sseRetryMs, streams, listenStreams, stateless } = options;
  let statelessGrace: NodeJS.Timeout | undefined;
  let idleSweep: NodeJS.Timeout | undefined;
  let cutOff: NodeJS.Timeout | undefined;
  // preClose runs once Fastify answers new requests with 503; then it closes the server, and the
  // onClose hooks run when every connection has ended.
  app.addHook('preClose', async () => {
    // Open streams would hold the server open forever: end them and tell clients when to retry
    // (2025 GET and resumed streams, 2024-11-05 /sse: `retry:`; 2026-07-28 listen streams: the
    // listen request's `complete` result, after which the client listens again).
    const held = { streams: streams.size, listenStreams: listenStreams.listenerCount };
    streams.closeAll(sseRetryMs);
    void stateless.closeListenStreams();
    // Other 2026-07-28 requests get half the drain time to finish; then the SDK handler aborts what is left.
    statelessGrace = setTimeout(() => void stateless.close(), Math.floor(shutdownTimeoutMs / 2));
    statelessGrace.unref();
    // What is still running at three quarters of the drain time is cut off, with an answer that says
    // so and when to retry (2025 sessions, /http), leaving the last quarter for those answers to leave.
    cutOff = setTimeout(
      () => {
        const exchanges = options.cutOffExchanges();
        if (exchanges > 0) logger.warn({ exchanges }, 'shutdown: requests still running were cut off');
      },
      Math.floor((shutdownTimeoutMs * 3) / 4),
    );
    cutOff.unref();
    // Requests in flight keep their connections; each one is closed as soon as its answer is out.
    idleSweep = setInterval(() => app.server.closeIdleConnections(), DRAIN_IDLE_SWEEP_MS);
    idleSweep.unref();
    logger.info(held, 'shutdown: streams ended with a retry hint; finishing in-flight requests');
  });
  app.addHook('onClose', async () => {
    clearInterval(idleSweep);
    clearTimeout(statelessGrace);
    clearTimeout(cutOff);
    logger.info('shutdown: connections closed; disconnecting the store');
    await stateless.close();
    await options.release();
  });
};

export default fp(gracefulDrain, { name: 'mcs-graceful-drain', fastify: '5.x' });
