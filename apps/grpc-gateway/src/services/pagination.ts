import { z } from 'zod';
import { GatewayError } from '../gateway-error.js';

/** The most entries one List response carries when a page size is asked for. */
export const MAX_PAGE_SIZE = 1000;

export interface PageRequest {
  pageSize: number;
  pageToken: string;
}

/**
 * What a page token carries: the list it belongs to (RPC and `backend` filter, so a token is not
 * replayed against another list) and the position of the next entry. Opaque to clients (base64url JSON).
 */
const pageTokenSchema = z.object({
  list: z.string(),
  offset: z.number().int().min(0),
});

const badToken = (detail: string) =>
  new GatewayError(
    'INVALID_ARGUMENT',
    `Invalid page_token (${detail}); pass the next_page_token of the previous response with the same request fields, or none for the first page.`,
  );

function decodeToken(token: string, list: string): number {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badToken('not a token this gateway issued');
  }
  const parsed = pageTokenSchema.safeParse(raw);
  if (!parsed.success) throw badToken('not a token this gateway issued');
  if (parsed.data.list !== list) throw badToken('it belongs to another list or backend filter');
  return parsed.data.offset;
}

const encodeToken = (list: string, offset: number) =>
  Buffer.from(JSON.stringify({ list, offset })).toString('base64url');

/**
 * One page of `items` for a List request. `list` names the list and its filters (`ListTools:<backend>`).
 * Page size 0 returns everything (no token); a negative size is INVALID_ARGUMENT.
 */
export function paginate<T>(
  items: readonly T[],
  request: PageRequest,
  list: string,
): { page: T[]; nextPageToken: string } {
  if (!Number.isInteger(request.pageSize) || request.pageSize < 0) {
    throw new GatewayError(
      'INVALID_ARGUMENT',
      `page_size must be 0 (everything) or positive, got ${request.pageSize}.`,
    );
  }
  const offset = request.pageToken === '' ? 0 : decodeToken(request.pageToken, list);
  if (request.pageSize === 0) return { page: items.slice(offset), nextPageToken: '' };
  const end = offset + Math.min(request.pageSize, MAX_PAGE_SIZE);
  return { page: items.slice(offset, end), nextPageToken: end < items.length ? encodeToken(list, end) : '' };
}
