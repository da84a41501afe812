import type { JsonValue } from '../json.js';
import type { MessageBus, MessageHandler } from '../message-bus.js';
import { SessionStoreError } from '../session-store-error.js';
import { decodeJson, encodeJson, jsonValueSchema } from './codec.js';
import { closedError, ErrorReporter } from './error-reporter.js';
import { type Keyspace, keyspace } from './keys.js';
import type { ResolvedBusOptions } from './resolve-options.js';
import { assertId } from './validate.js';

/**
 * Handler bookkeeping shared by both buses: one backend subscription per channel however many
 * handlers, released with the last one. Subscribe/unsubscribe calls are serialised so that a quick
 * unsubscribe-then-subscribe cannot leave the backend in the wrong state.
 */
export abstract class BaseMessageBus implements MessageBus {
  abstract readonly kind: 'redis' | 'memory';
  protected readonly keys: Keyspace;
  protected readonly reporter: ErrorReporter;
  private readonly handlers = new Map<string, Set<MessageHandler>>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: ResolvedBusOptions) {
    this.keys = keyspace(options.keyPrefix);
    this.reporter = new ErrorReporter(options.onError);
  }

  protected abstract doPublish(fullChannel: string, payload: string): Promise<number>;
  protected abstract doSubscribe(fullChannel: string): Promise<void>;
  protected abstract doUnsubscribe(fullChannel: string): Promise<void>;
  protected abstract doPing(): Promise<void>;
  protected abstract doClose(): Promise<void>;

  private run<T>(operation: () => Promise<T>): Promise<T> {
    return this.reporter.run(() => {
      if (this.closed) throw closedError('message bus');
      return operation();
    });
  }

  private serialised<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  publish(channel: string, message: JsonValue): Promise<number> {
    return this.run(() => {
      assertId(channel, 'A channel name');
      return this.doPublish(this.keys.channel(channel), encodeJson(message, 'A bus message'));
    });
  }

  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    return this.run(() => {
      assertId(channel, 'A channel name');
      if (typeof handler !== 'function') {
        throw new SessionStoreError('INVALID_ARGUMENT', 'subscribe() needs a handler function.');
      }
      const full = this.keys.channel(channel);
      return this.serialised(async () => {
        const existing = this.handlers.get(full);
        if (existing) {
          existing.add(handler);
        } else {
          await this.doSubscribe(full);
          this.handlers.set(full, new Set([handler]));
        }
        let done = false;
        return () => {
          if (done) return Promise.resolve();
          done = true;
          return this.unsubscribe(full, handler);
        };
      });
    });
  }

  private unsubscribe(full: string, handler: MessageHandler): Promise<void> {
    return this.reporter.run(() =>
      this.serialised(async () => {
        const set = this.handlers.get(full);
        if (!set?.delete(handler) || set.size > 0) return;
        this.handlers.delete(full);
        if (!this.closed) await this.doUnsubscribe(full);
      }),
    );
  }

  /** Implementations call this for every message that arrives on a subscribed channel. */
  protected deliver(fullChannel: string, payload: string): void {
    const set = this.handlers.get(fullChannel);
    if (!set) return;
    const channel = fullChannel.slice(this.keys.channel('').length);
    let message: JsonValue;
    try {
      message = decodeJson(payload, jsonValueSchema, fullChannel);
    } catch (error) {
      this.reporter.report(
        new SessionStoreError('HANDLER_FAILED', `Dropped a message on "${channel}" that is not JSON.`, {
          cause: error,
        }),
      );
      return;
    }
    const failed = (error: unknown) =>
      this.reporter.report(
        new SessionStoreError('HANDLER_FAILED', `A subscriber of "${channel}" threw; fix the handler.`, {
          cause: error,
        }),
      );
    for (const handler of [...set]) {
      try {
        const result = handler(message, channel);
        if (result instanceof Promise) result.catch(failed);
      } catch (error) {
        failed(error);
      }
    }
  }

  ping(): Promise<void> {
    return this.run(() => this.doPing());
  }

  errorCounts(): Readonly<Record<string, number>> {
    return this.reporter.snapshot();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    await this.doClose();
  }
}
