import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { FastifyReply } from 'fastify';
import { startEventStream } from '../shared/sse-stream.js';
import type { RequestStreamEventStore } from './request-streams.js';
import type { SessionRequestSink } from './session-lanes.js';

/** The first revision whose clients accept the SDK's priming event (an event with empty data). */
export const PRIMING_SINCE = '2025-11-25';

export interface SessionRequestStreamOptions {
  /** The POST's stream in the session's event log (ids naming this replica and the request ids). */
  eventStore: RequestStreamEventStore;
  /** The revision the client speaks on this POST (`MCP-Protocol-Version`, or the SDK's default). */
  protocolVersion: string;
  /** `retry:` of the priming event (ms), as the SDK's transport is configured. */
  retryMs: number | undefined;
  /** SSE keep-alive comment interval (0: none). */
  keepAliveMs: number;
  /** The id a server-to-client request carries on the wire (so any replica routes its answer here). */
  encodeRequestId: (id: string | number) => string;
  /** Runs once, when the answer is stored and written (or the request is over without one). */
  onDone: () => void;
}

/**
 * One 2025 session POST's SSE stream, written the way the SDK's Streamable HTTP transport writes it
 * (in stateless mode, with our event store): the priming event (2025-11-25 on, with `retry:`) or our
 * `resume-point` event (before), then every message of the request as an `event: message` frame
 * with the id the event log gave it, the answer last, then the end. Every event is stored before it
 * is written, so a client that lost the stream resumes it from `Last-Event-ID` on any replica; a
 * client that went away does not stop the request (its events are still stored), as with the SDK.
 * Frames go straight to the socket (no web stream in between); writes keep the request's order.
 */
export class SessionRequestStream implements SessionRequestSink {
  readonly #reply: FastifyReply;
  readonly #options: SessionRequestStreamOptions;
  #stream: ServerResponse | undefined;
  #keepAlive: NodeJS.Timeout | undefined;
  #done = false;
  /** The stream's id as the SDK would name it (tagged with replica and request ids by the event store). */
  readonly #streamId = randomUUID();
  /** The writes in order: each event is stored (one store round trip) before its frame goes out. */
  #chain: Promise<void> = Promise.resolve();

  constructor(reply: FastifyReply, options: SessionRequestStreamOptions) {
    this.#reply = reply;
    this.#options = options;
  }

  get done(): boolean {
    return this.#done;
  }

  /**
   * Sends the stream's headers and its first event (before the request runs, as the SDK does).
   * Messages sent meanwhile (the shutdown's cut-off answer may come during the first event's store
   * round trip) wait for it: written before, they found no stream and the response was never ended.
   */
  open(): Promise<void> {
    const opening = this.#open();
    this.#chain = opening.catch(() => undefined);
    return opening;
  }

  async #open(): Promise<void> {
    const { eventStore, protocolVersion, retryMs } = this.#options;
    let first: string | undefined;
    if (protocolVersion >= PRIMING_SINCE) {
      const eventId = await eventStore.storeEvent(this.#streamId, {} as JSONRPCMessage);
      first = `id: ${eventId}\n${retryMs === undefined ? '' : `retry: ${retryMs}\n`}data: \n\n`;
    } else {
      first = await eventStore.resumePoint();
    }
    const stream = startEventStream(this.#reply);
    if (first !== undefined) stream.write(first);
    this.#stream = stream;
    stream.once('close', () => clearInterval(this.#keepAlive));
    const { keepAliveMs } = this.#options;
    if (keepAliveMs > 0) {
      this.#keepAlive = setInterval(() => {
        if (!stream.writableEnded) stream.write(': keepalive\n\n');
      }, keepAliveMs);
      this.#keepAlive.unref();
    }
  }

  message(message: JSONRPCMessage): Promise<void> {
    let outgoing = message;
    if ('method' in message && 'id' in message) {
      // A server-to-client request: its answer may reach any replica, which routes it back by this id.
      outgoing = { ...message, id: this.#options.encodeRequestId(message.id) } as JSONRPCMessage;
    }
    return this.#enqueue(outgoing, false);
  }

  answer(message: JSONRPCMessage): Promise<void> {
    return this.#enqueue(message, true);
  }

  /**
   * Closes the HTTP stream while the request runs on (SEP-1699 polling, a tool's `ctx.http.closeSSE`,
   * which the SDK's transport offers from 2025-11-25 on): later events are still stored, and the
   * client reconnects with `Last-Event-ID` to read them.
   */
  closeForPolling(): void {
    clearInterval(this.#keepAlive);
    const stream = this.#stream;
    if (stream !== undefined && !stream.writableEnded) stream.end();
  }

  /** Ends the stream without (more) events: the request was cancelled or cut off. */
  end(): void {
    this.#chain = this.#chain.then(() => this.#finish());
  }

  #enqueue(message: JSONRPCMessage, last: boolean): Promise<void> {
    const write = this.#chain.then(async () => {
      if (this.#done) return;
      // The store down: sent without an id (the request stream store logs it), as the SDK's path.
      const eventId = await this.#options.eventStore.storeEvent(this.#streamId, message);
      const frame = `event: message\n${eventId ? `id: ${eventId}\n` : ''}data: ${JSON.stringify(message)}\n\n`;
      // The answer and the stream's end leave in one write.
      if (last) return this.#finish(frame);
      const stream = this.#stream;
      if (stream !== undefined && !stream.writableEnded && !stream.destroyed) stream.write(frame);
    });
    // A failed store write fails this message's send (as the SDK's transport does); later ones still go.
    this.#chain = write.catch(() => {
      if (last) this.#finish();
    });
    return write;
  }

  #finish(lastFrame?: string): void {
    if (this.#done) return;
    this.#done = true;
    clearInterval(this.#keepAlive);
    const stream = this.#stream;
    if (stream !== undefined && !stream.writableEnded) {
      if (lastFrame !== undefined && !stream.destroyed) stream.end(lastFrame);
      else stream.end();
    }
    this.#options.onDone();
  }
}
