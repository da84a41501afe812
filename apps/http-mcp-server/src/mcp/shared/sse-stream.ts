import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/** The headers of an SSE response, as the SDK's Streamable HTTP transports send them. */
const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/**
 * Turns `reply` into an SSE stream (status 200, SSE_HEADERS) whose frames go straight to the socket:
 * Fastify steps aside (its onResponse hooks still run when the response ends), and the headers other
 * hooks set on the reply go out with the stream's own.
 */
export function startEventStream(reply: FastifyReply): ServerResponse {
  const headers: OutgoingHttpHeaders = { ...(reply.getHeaders() as OutgoingHttpHeaders), ...SSE_HEADERS };
  reply.hijack();
  reply.raw.writeHead(200, headers);
  return reply.raw;
}

/** Every SSE stream this replica holds open, so shutdown can end them and /metrics can count them. */
export class StreamRegistry {
  readonly #streams = new Set<SseStream>();

  add(stream: SseStream): void {
    this.#streams.add(stream);
  }

  delete(stream: SseStream): void {
    this.#streams.delete(stream);
  }

  get size(): number {
    return this.#streams.size;
  }

  /** Ends every stream with a `retry` hint so clients reconnect (to another replica) after `retryMs`. */
  closeAll(retryMs: number): void {
    for (const stream of [...this.#streams]) stream.end(retryMs);
  }
}

export interface SseStreamOptions {
  registry: StreamRegistry;
  keepAliveMs: number;
  headers?: Record<string, string>;
  /** Called on every keep-alive tick; resolve false to end the stream (e.g. the session expired). */
  onKeepAlive?: () => Promise<boolean>;
}

/** A server-sent events response written straight to the socket (the reply is hijacked). */
export class SseStream {
  readonly #reply: FastifyReply;
  readonly #options: SseStreamOptions;
  readonly #closeHandlers: Array<() => void> = [];
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(reply: FastifyReply, options: SseStreamOptions) {
    this.#reply = reply;
    this.#options = options;
    reply.hijack();
    reply.raw.writeHead(200, { ...SSE_HEADERS, ...options.headers });
    reply.raw.flushHeaders();
    reply.raw.once('close', () => this.#cleanup());
    this.#timer = setInterval(() => this.#keepAlive(), options.keepAliveMs);
    this.#timer.unref();
    options.registry.add(this);
  }

  get closed(): boolean {
    return this.#closed;
  }

  onClose(handler: () => void): void {
    if (this.#closed) handler();
    else this.#closeHandlers.push(handler);
  }

  /** Writes one event; returns false when the stream is already closed. */
  send(data: string, options: { event?: string; id?: string } = {}): boolean {
    if (this.#closed) return false;
    let frame = '';
    if (options.event) frame += `event: ${options.event}\n`;
    if (options.id) frame += `id: ${options.id}\n`;
    for (const line of data.split('\n')) frame += `data: ${line}\n`;
    this.#reply.raw.write(`${frame}\n`);
    return true;
  }

  comment(text: string): void {
    if (!this.#closed) this.#reply.raw.write(`: ${text}\n\n`);
  }

  /** Ends the stream; with `retryMs`, first tells the client when to reconnect. */
  end(retryMs?: number): void {
    if (this.#closed) return;
    if (retryMs !== undefined) this.#reply.raw.write(`retry: ${retryMs}\n\n`);
    this.#reply.raw.end();
    this.#cleanup();
  }

  #keepAlive(): void {
    this.comment('keep-alive');
    this.#options
      .onKeepAlive?.()
      .then((keep) => {
        if (!keep) this.end();
      })
      .catch(() => this.end());
  }

  #cleanup(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#options.registry.delete(this);
    for (const handler of this.#closeHandlers.splice(0)) handler();
  }
}
