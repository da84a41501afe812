import { SessionStoreError } from '../session-store-error.js';
import { CONTROL } from './validate.js';

/**
 * Event id = base64url(stream id) + "." + entry id ("<ms>-<seq>", a Redis Stream id). Carrying the
 * stream id lets any replica resume from `Last-Event-ID` alone; base64url keeps it a single token
 * that is safe in an SSE `id:` line and cannot be confused with the separator.
 */
const EVENT_ID = /^([A-Za-z0-9_-]{2,700})\.(\d{1,16}-\d{1,16})$/;

/**
 * Entry id of a stream's priming event id: lower than any id Redis assigns ("0-0" is never one), so
 * replaying after it replays the whole stream. Issued without a store write (see `createEventStore`).
 */
export const PRIMING_ENTRY_ID = '0-0';

export function formatEventId(streamId: string, entryId: string): string {
  return `${Buffer.from(streamId, 'utf8').toString('base64url')}.${entryId}`;
}

export interface ParsedEventId {
  streamId: string;
  entryId: string;
}

/** Throws `INVALID_EVENT_ID` for anything `formatEventId` cannot have produced. */
export function parseEventId(eventId: unknown): ParsedEventId {
  const match = typeof eventId === 'string' ? EVENT_ID.exec(eventId) : null;
  const encoded = match?.[1];
  const entryId = match?.[2];
  if (encoded && entryId) {
    const streamId = Buffer.from(encoded, 'base64url').toString('utf8');
    // Re-encoding must give the same text, or the input was not canonical base64url of UTF-8; and
    // appendEvent never accepts control characters in a stream id, so none can come back out.
    if (!CONTROL.test(streamId) && Buffer.from(streamId, 'utf8').toString('base64url') === encoded) {
      return { streamId, entryId };
    }
  }
  throw new SessionStoreError(
    'INVALID_EVENT_ID',
    'The event id (Last-Event-ID) is not one this server issued; reconnect without Last-Event-ID.',
  );
}

/** Orders Redis Stream ids ("ms-seq") numerically, as Redis does. */
export function compareEntryIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}
