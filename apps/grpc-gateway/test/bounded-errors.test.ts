// Values a caller or a backend sends are echoed into error messages bounded: an unbounded status
// message once passed the peer's header-size limit, failed the HTTP/2 session with PROTOCOL_ERROR and
// killed every other call on the same channel.
import { status } from '@grpc/grpc-js';
import { MAX_ERROR_MESSAGE_BYTES } from '@mcs/resilience';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, probeBackend, type RunningGateway, startTestGateway, statusOf } from './fixtures/gateway-fixture.js';

let running: RunningGateway;
const huge = 'x'.repeat(100_000);
const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

beforeAll(async () => {
  running = await startTestGateway({ backends: { probe: probeBackend() } });
});
afterAll(async () => {
  await running?.[Symbol.asyncDispose]();
});

describe('echoed values are bounded on the gRPC wire', () => {
  it('a 100,000-character tool name is INVALID_ARGUMENT; a call in flight on the same channel completes', async () => {
    const inFlight = collect(running.client.callTool('native.ticker', { count: 3, intervalMs: 150 }));
    // As an attacker sends it: the plain proto, no routing header.
    const raw = await new Promise<{ code: number; details: string }>((resolve) => {
      const call = running.client.raw.callTool({ name: huge, timeoutMs: 0 });
      call.on('data', () => undefined);
      call.on('error', () => undefined);
      call.on('status', resolve);
    });
    expect(raw.code).toBe(status.INVALID_ARGUMENT);
    expect(utf8Bytes(raw.details)).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_BYTES);
    expect(raw.details).toMatch(/tool name has 100000 characters/);
    // Through our client, which leaves an oversized name out of the mcp-tool header.
    const failure = await statusOf(collect(running.client.callTool(huge, {})));
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect((await inFlight).at(-1)?.event?.$case).toBe('result');
    // The channel is still usable.
    const echo = await collect(running.client.callTool('native.echo', { message: 'after' }));
    expect(echo.at(-1)?.event?.$case).toBe('result');
  });

  it('huge prompt names, resource URIs and backend names are INVALID_ARGUMENT with a bounded message', async () => {
    const failures = await Promise.all([
      statusOf(running.client.getPrompt(huge)),
      statusOf(collect(running.client.readResource(huge))),
      statusOf(running.client.listTools(huge)),
      statusOf(collect(running.client.readResource('file:///x', huge))),
    ]);
    for (const failure of failures) {
      expect(failure.code).toBe(status.INVALID_ARGUMENT);
      expect(utf8Bytes(failure.details)).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_BYTES);
    }
  });

  it('an unknown tool whose name is long but allowed is NOT_FOUND, the name shortened in the message', async () => {
    const name = `probe.${'z'.repeat(200)}`;
    const failure = await statusOf(collect(running.client.callTool(name, {})));
    expect(failure.code).toBe(status.NOT_FOUND);
    expect(failure.details.length).toBeLessThan(name.length);
    expect(failure.details).toContain('characters');
  });

  it("a backend's 100,000-character error message reaches the caller bounded; the channel lives on", async () => {
    const inFlight = collect(running.client.callTool('native.ticker', { count: 3, intervalMs: 150 }));
    const failure = await statusOf(running.client.getPrompt('probe.fail', { bytes: '100000' }));
    expect(failure.details).toContain('yyyy');
    expect(utf8Bytes(failure.details)).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_BYTES);
    expect((await inFlight).at(-1)?.event?.$case).toBe('result');
  });
});
