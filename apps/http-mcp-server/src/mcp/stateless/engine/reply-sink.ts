import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { FastifyReply } from 'fastify';
import { startEventStream } from '../../shared/sse-stream.js';
import type { RequestSink } from './lane.js';

/**
 * The HTTP status of an error the SDK answers before any handler ran, as its per-request transport
 * maps them (the SDK's `LADDER_ERROR_HTTP_STATUS`, internal there): other ladder codes are 200.
 */
const LADDER_STATUS: Readonly<Record<number, number>> = {
  [-32700]: 400, // parse error
  [-32600]: 400, // invalid request
  [-32601]: 404, // method not found
  [-32022]: 400, // unsupported protocol version
  [-32021]: 400, // missing required client capability
  [-32020]: 400, // header mismatch
};
/** Answered 400 whenever it is sent before a stream started, as the SDK's transport does. */
const MISSING_CAPABILITY = -32021;

export interface ReplySinkOptions {
  /** SSE keep-alive comment interval (0: none). */
  keepAliveMs: number;
  /** Runs once, when the answer is out or the request was given up. */
  onDone?: () => void;
}

/**
 * Writes one request's messages to its Fastify reply, the way the SDK's per-request transport
 * shapes an answer: a JSON body when the answer is the only message, an SSE stream (`event: message`
 * frames) as soon as anything comes before it. No web Request/Response, no web stream: the JSON is
 * encoded once and sent, SSE frames are written to the response itself.
 */
export class ReplySink implements RequestSink {
  readonly #reply: FastifyReply;
  readonly #options: ReplySinkOptions;
  #stream: ServerResponse | undefined;
  #keepAlive: NodeJS.Timeout | undefined;
  #done = false;
  #resolveSent!: () => void;
  /** Resolves once the reply is sent (JSON) or streaming (SSE): what the route handler awaits. */
  readonly sent: Promise<void>;

  constructor(reply: FastifyReply, options: ReplySinkOptions) {
    this.#reply = reply;
    this.#options = options;
    this.sent = new Promise((resolve) => {
      this.#resolveSent = resolve;
    });
  }

  /** True once the answer is out (or the request was given up): nothing more is written. */
  get done(): boolean {
    return this.#done;
  }

  /** True when the answer has started as an SSE stream. */
  get streaming(): boolean {
    return this.#stream !== undefined;
  }

  message(message: JSONRPCMessage): void {
    if (this.#done) return;
    this.#startStream().write(frameOf(message));
  }

  answer(message: JSONRPCMessage, ladder: boolean): void {
    if (this.#done) return;
    if (this.#stream !== undefined) {
      this.#stream.end(frameOf(message));
      this.#finish();
      return;
    }
    const code = (message as { error?: { code?: unknown } }).error?.code;
    const status =
      typeof code === 'number' && (ladder || code === MISSING_CAPABILITY) ? (LADDER_STATUS[code] ?? 200) : 200;
    this.sendJson(status, JSON.stringify(message));
  }

  /** Answers with a JSON body of the sink's own (the shutdown's cut-off, an edge error). */
  sendJson(status: number, body: string, headers: Record<string, string> = {}): void {
    if (this.#done) return;
    if (this.#stream !== undefined) {
      // Already streaming: the status is out; end the stream (the client retries or resumes).
      this.#stream.end();
      this.#finish();
      return;
    }
    this.#reply.code(status).headers(headers).header('content-type', 'application/json').send(body);
    this.#finish();
  }

  /** Gives the request up without an answer (its client went away). */
  abandon(): void {
    if (this.#done) return;
    this.#stream?.end();
    this.#finish();
  }

  #startStream(): ServerResponse {
    if (this.#stream !== undefined) return this.#stream;
    const stream = startEventStream(this.#reply);
    this.#stream = stream;
    const { keepAliveMs } = this.#options;
    if (keepAliveMs > 0) {
      this.#keepAlive = setInterval(() => stream.write(': keepalive\n\n'), keepAliveMs);
      this.#keepAlive.unref();
    }
    this.#resolveSent();
    return stream;
  }

  #finish(): void {
    this.#done = true;
    clearInterval(this.#keepAlive);
    this.#resolveSent();
    this.#options.onDone?.();
  }
}

function frameOf(message: JSONRPCMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}
