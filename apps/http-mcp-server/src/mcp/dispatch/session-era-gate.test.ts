import { classifyInboundRequest } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { asPlainRequest } from '../shared/plain-request.js';
import { isPlainSessionEraRequest } from './session-era-gate.js';

const ENVELOPE = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };
const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } };

// [title, body, MCP-Protocol-Version header, whether the gate decides alone]
const cases: Array<[string, unknown, string | undefined, boolean]> = [
  ['a session tools/call', call, '2025-11-25', true],
  ['a 2025-03-26 request with a string id', { ...call, id: 'a' }, '2025-03-26', true],
  ['a request without a version header', call, undefined, true],
  ['a request without params', { jsonrpc: '2.0', id: 2, method: 'tools/list' }, '2025-06-18', true],
  [
    'initialize',
    { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25' } },
    undefined,
    true,
  ],
  ['a 2026-07-28 request', { ...call, params: { ...call.params, _meta: ENVELOPE } }, '2026-07-28', false],
  ['a modern header without an envelope', call, '2026-07-28', false],
  ['a header naming an unknown revision', call, '2099-01-01', false],
  ['params with _meta', { ...call, params: { ...call.params, _meta: { progressToken: 1 } } }, '2025-11-25', false],
  ['a notification', { jsonrpc: '2.0', method: 'notifications/initialized' }, '2025-11-25', false],
  ['a response', { jsonrpc: '2.0', id: 1, result: {} }, '2025-11-25', false],
  ['a batch', [call], '2025-11-25', false],
  ['a fractional id', { ...call, id: 1.5 }, '2025-11-25', false],
  ['a null id', { ...call, id: null }, '2025-11-25', false],
  ['an extra member', { ...call, extra: 1 }, '2025-11-25', false],
  ['a wrong jsonrpc version', { ...call, jsonrpc: '1.0' }, '2025-11-25', false],
  ['params that are an array', { ...call, params: [1] }, '2025-11-25', false],
  ['not an object', 'tools/call', undefined, false],
];

describe('isPlainSessionEraRequest', () => {
  it.each(cases)('%s', (_title, body, header, decides) => {
    expect(isPlainSessionEraRequest(asPlainRequest(body), header)).toBe(decides);
    // Whenever the gate decides, the SDK's classifier agrees: its "legacy" kind (a revision before 2026-07-28).
    if (decides) {
      const route = classifyInboundRequest({ httpMethod: 'POST', protocolVersionHeader: header, body });
      expect(route.kind).toBe('legacy');
    }
  });
});
