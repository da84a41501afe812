import {
  categoryFromHttpStatus,
  categoryFromJsonRpcCode,
  ERROR_CATEGORY_TABLE,
  httpStatusForCategory,
  jsonRpcCodeForCategory,
} from '@mcs/resilience';
import { describe, expect, it } from 'vitest';
import {
  EDGE_ERRORS,
  type EdgeErrorKind,
  SDK_SESSION_NOT_FOUND_CODE,
  SDK_TRANSPORT_ERROR_CODE,
} from './json-rpc-errors.js';

const kinds = Object.keys(EDGE_ERRORS) as EdgeErrorKind[];

describe('EDGE_ERRORS, derived from the category table of @mcs/resilience', () => {
  it('every row names a category of the table', () => {
    for (const kind of kinds) expect(Object.hasOwn(ERROR_CATEGORY_TABLE, EDGE_ERRORS[kind].category), kind).toBe(true);
  });

  it("a row's status is its category's, or a narrower status that reads back as the same category", () => {
    for (const kind of kinds) {
      const { category, status } = EDGE_ERRORS[kind];
      const own = status === httpStatusForCategory(category);
      expect(own || categoryFromHttpStatus(status) === category, `${kind}: ${status} is not ${category}`).toBe(true);
    }
  });

  it("a row's code is its category's, or the MCP SDK's code for the same refusal", () => {
    // The one exception, kept for wire compatibility: a store outage has always carried -32603,
    // which `categoryFromJsonRpcCode` reads as `internal`; clients act on its 503 + Retry-After.
    const exceptions: EdgeErrorKind[] = ['UNAVAILABLE'];
    expect(EDGE_ERRORS.UNAVAILABLE.code).toBe(-32603);
    for (const kind of kinds.filter((candidate) => !exceptions.includes(candidate))) {
      const { category, code } = EDGE_ERRORS[kind];
      const own = code === jsonRpcCodeForCategory(category);
      const sdk = code === SDK_TRANSPORT_ERROR_CODE || code === SDK_SESSION_NOT_FOUND_CODE;
      // Protocol errors have codes of their own in JSON-RPC (-32700 parse error): still `protocol`.
      const sameCategory = categoryFromJsonRpcCode(code) === category;
      expect(own || sdk || sameCategory, `${kind}: ${code}`).toBe(true);
    }
  });

  it('the wire numbers are the ones the edge has always answered with', () => {
    const wire = Object.fromEntries(kinds.map((kind) => [kind, [EDGE_ERRORS[kind].code, EDGE_ERRORS[kind].status]]));
    expect(wire).toEqual({
      PARSE_ERROR: [-32700, 400],
      INVALID_REQUEST: [-32600, 400],
      BAD_REQUEST: [-32000, 400],
      SESSION_NOT_FOUND: [-32001, 404],
      NOT_FOUND: [-32000, 404],
      REQUEST_TIMEOUT: [-32000, 408],
      HEADERS_TOO_LARGE: [-32000, 431],
      NOT_ACCEPTABLE: [-32000, 406],
      UNSUPPORTED_MEDIA_TYPE: [-32000, 415],
      PAYLOAD_TOO_LARGE: [-32000, 413],
      METHOD_NOT_ALLOWED: [-32000, 405],
      CONFLICT: [-32000, 409],
      FORBIDDEN: [-32000, 403],
      UNAVAILABLE: [-32603, 503],
      INTERNAL_ERROR: [-32603, 500],
    });
  });
});
