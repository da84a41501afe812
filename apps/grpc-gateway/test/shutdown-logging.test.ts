// A call the gateway cuts off (drain timeout at shutdown) or the client cancels is logged with its real
// outcome: it was once logged as `"code":"OK"`, which hid cut-off calls from anyone reading the logs.
import { Writable } from 'node:stream';
import { status } from '@grpc/grpc-js';
import { waitFor } from '@mcs/test-utils';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startTestGateway } from './fixtures/gateway-fixture.js';

interface LogLine {
  msg: string;
  tool?: string;
  code?: number;
  category?: string;
}

function captureLogs() {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

const callLine = (lines: LogLine[], tool: string) =>
  lines.find((line) => line.tool === tool && (line.msg === 'call finished' || line.msg === 'call failed'));

/** Runs the stream until its first event, calls `interrupt`, and returns the call's gRPC status code. */
async function interruptAfterFirstEvent(stream: AsyncIterable<unknown>, interrupt: () => unknown): Promise<number> {
  let interrupted: unknown;
  try {
    for await (const _event of stream) interrupted ??= interrupt();
  } catch (error) {
    await interrupted;
    return (error as { code: number }).code;
  }
  await interrupted;
  return status.OK;
}

describe('the log line of a call that did not finish', () => {
  it('a call cut off by the drain timeout is logged as failed, not OK', async () => {
    const { lines, logger } = captureLogs();
    const running = await startTestGateway({ limits: { drainTimeoutMs: 100 } }, {}, logger);
    const code = await interruptAfterFirstEvent(
      running.client.callTool('native.ticker', { count: 1000, intervalMs: 20 }),
      () => running[Symbol.asyncDispose](),
    );
    expect(code).not.toBe(status.OK);
    await waitFor(() => callLine(lines, 'native.ticker') !== undefined, { what: 'the call log line' });
    const line = callLine(lines, 'native.ticker');
    expect(line?.msg).toBe('call failed');
    expect(line?.code).toBe(status.UNAVAILABLE);
    expect(line?.category).toBe('unavailable');
  });

  it('a call the client cancels is logged as CANCELLED, not OK', async () => {
    const { lines, logger } = captureLogs();
    await using running = await startTestGateway({}, {}, logger);
    const controller = new AbortController();
    await interruptAfterFirstEvent(
      running.client.callTool('native.ticker', { count: 1000, intervalMs: 20 }, { signal: controller.signal }),
      () => controller.abort(),
    );
    await waitFor(() => callLine(lines, 'native.ticker') !== undefined, { what: 'the call log line' });
    const line = callLine(lines, 'native.ticker');
    expect(line?.code).toBe(status.CANCELLED);
    expect(line?.category).toBe('cancelled');
  });
});
