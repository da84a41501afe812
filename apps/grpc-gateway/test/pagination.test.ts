// Page tokens: positions in one named list, opaque, validated.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../src/gateway-error.js';
import { MAX_PAGE_SIZE, paginate } from '../src/services/pagination.js';

const items = Array.from({ length: 7 }, (_, index) => index);

describe('paginate', () => {
  it('page size 0 answers everything without a token', () => {
    expect(paginate(items, { pageSize: 0, pageToken: '' }, 'L')).toEqual({ page: items, nextPageToken: '' });
  });

  it('walks the list in pages and ends with an empty token', () => {
    const first = paginate(items, { pageSize: 3, pageToken: '' }, 'L');
    expect(first.page).toEqual([0, 1, 2]);
    const second = paginate(items, { pageSize: 3, pageToken: first.nextPageToken }, 'L');
    expect(second.page).toEqual([3, 4, 5]);
    const last = paginate(items, { pageSize: 3, pageToken: second.nextPageToken }, 'L');
    expect(last).toEqual({ page: [6], nextPageToken: '' });
  });

  it('caps the page size', () => {
    const many = Array.from({ length: MAX_PAGE_SIZE + 5 }, (_, index) => index);
    const first = paginate(many, { pageSize: 1_000_000, pageToken: '' }, 'L');
    expect(first.page).toHaveLength(MAX_PAGE_SIZE);
    expect(paginate(many, { pageSize: 1_000_000, pageToken: first.nextPageToken }, 'L').page).toHaveLength(5);
  });

  it('refuses tokens of another list, forged or garbage tokens, and negative sizes', () => {
    const { nextPageToken } = paginate(items, { pageSize: 2, pageToken: '' }, 'ListTools:');
    const refused = (pageToken: string, pageSize = 2) => {
      try {
        paginate(items, { pageSize, pageToken }, 'ListTools:a');
      } catch (error) {
        return error instanceof GatewayError ? error.code : 'other';
      }
      return 'accepted';
    };
    expect(refused(nextPageToken)).toBe('INVALID_ARGUMENT');
    expect(refused('%%%')).toBe('INVALID_ARGUMENT');
    expect(refused(Buffer.from('{"list":"ListTools:a","offset":-1}').toString('base64url'))).toBe('INVALID_ARGUMENT');
    expect(refused('', -1)).toBe('INVALID_ARGUMENT');
    expect(refused('', 1.5)).toBe('INVALID_ARGUMENT');
  });
});
