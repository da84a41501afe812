// Bad input on the wire, health, reflection, cancellation and change notifications.
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { credentials, loadPackageDefinition, type Metadata, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ListKind } from '@mcs/protos';
import { waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkHealth,
  collect,
  probeBackend,
  type RunningGateway,
  startTestGateway,
  statusOf,
} from './fixtures/gateway-fixture.js';

const require = createRequire(import.meta.url);
const probeLog = join(tmpdir(), `mcs-gateway-probe-${process.pid}-${Date.now()}.log`);
let running: RunningGateway;

beforeAll(async () => {
  running = await startTestGateway({
    backends: { probe: probeBackend({ PROBE_LOG: probeLog }) },
    limits: { maxReceiveMessageBytes: 32 * 1024 },
  });
});
afterAll(async () => {
  await running?.[Symbol.asyncDispose]();
  rmSync(probeLog, { force: true });
});

const address = () => `127.0.0.1:${running.gateway.port}`;
const echoWorks = async () =>
  expect((await collect(running.client.callTool('native.echo', { message: 'still here' }))).at(-1)?.event?.$case).toBe(
    'result',
  );

describe('bad input', () => {
  it('an oversized request -> RESOURCE_EXHAUSTED, and the gateway keeps serving', async () => {
    const failure = await statusOf(collect(running.client.callTool('native.echo', { message: 'x'.repeat(100_000) })));
    expect(failure.code).toBe(status.RESOURCE_EXHAUSTED);
    await echoWorks();
  });

  it('garbage bytes on the port: the connection is dropped, the gateway keeps serving', async () => {
    const socket = createConnection({ host: '127.0.0.1', port: running.gateway.port });
    const received: Buffer[] = [];
    socket.on('data', (data: Buffer) => received.push(data));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: junk\r\n\r\n\u0000\u0001\u0002 not http/2 at all'));
    await closed;
    // The HTTP/2 server answered the bad preface with a GOAWAY frame (type 7) before closing.
    expect(Buffer.concat(received).includes(Buffer.from([0x07]))).toBe(true);
    await echoWorks();
  });
});

describe('call ids', () => {
  it('every call ends with an mcs-call-id trailer, failures also with mcs-error-category', async () => {
    const trailerOf = (name: string) =>
      new Promise<Metadata>((resolve) => {
        const call = running.client.raw.callTool({ name, timeoutMs: 0 });
        call.on('data', () => undefined);
        call.on('error', () => undefined);
        call.on('status', (result: { metadata: Metadata }) => resolve(result.metadata));
      });
    const ok = await trailerOf('native.ticker');
    expect(String(ok.get('mcs-call-id')[0])).toMatch(/^[0-9a-f-]{36}$/);
    const failed = await trailerOf('native.missing');
    expect(String(failed.get('mcs-error-category')[0])).toBe('not_found');
    expect(failed.get('mcs-call-id')).toHaveLength(1);
    const unary = await new Promise<Metadata>((resolve) => {
      const call = running.client.raw.listTools({ backend: '', pageSize: 0, pageToken: '' }, () => undefined);
      call.on('status', (result: { metadata: Metadata }) => resolve(result.metadata));
    });
    expect(unary.get('mcs-call-id')).toHaveLength(1);
  });
});

describe('health and reflection', () => {
  it('grpc.health.v1 answers SERVING for the gateway and for a ready backend', async () => {
    const check = (service: string) => checkHealth(address(), service);
    expect(await check('')).toBe('SERVING');
    expect(await check('mcs.v1.ContextGateway')).toBe('SERVING');
    expect(await check('mcs.v1.ContextGateway/probe')).toBe('SERVING');
  });

  it('server reflection lists ContextGateway and health', async () => {
    const reflectionProto = join(
      dirname(require.resolve('@grpc/reflection/package.json')),
      'build/proto/grpc/reflection/v1/reflection.proto',
    );
    const definition = loadPackageDefinition(loadSync(reflectionProto)) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: new (address: string, creds: unknown) => ReflectionClient } } };
    };
    type ReflectionClient = {
      serverReflectionInfo(): NodeJS.ReadWriteStream & { write(message: unknown): boolean; end(): void };
      close(): void;
    };
    const client = new definition.grpc.reflection.v1.ServerReflection(address(), credentials.createInsecure());
    try {
      const call = client.serverReflectionInfo();
      const response = new Promise<{ listServicesResponse?: { service: { name: string }[] } }>((resolve, reject) => {
        call.on('data', resolve);
        call.on('error', reject);
      });
      call.write({ listServices: '' });
      const services = (await response).listServicesResponse?.service.map((service) => service.name) ?? [];
      call.end();
      expect(services).toContain('mcs.v1.ContextGateway');
      expect(services).toContain('grpc.health.v1.Health');
    } finally {
      client.close();
    }
  });
});

describe('cancellation', () => {
  it('cancelling the gRPC call sends notifications/cancelled to the backend', async () => {
    const controller = new AbortController();
    const events = collect(running.client.callTool('probe.wait', {}, { signal: controller.signal }));
    await waitFor(() => readLines().includes('started'), { what: 'the backend to start the tool' });
    controller.abort();
    expect((await statusOf(events)).code).toBe(status.CANCELLED);
    await waitFor(() => readLines().includes('cancelled'), { what: 'the backend to see the cancellation' });
  });

  it('a deadline passing cancels the backend request too', async () => {
    const before = readLines().filter((line) => line === 'cancelled').length;
    const failure = await statusOf(collect(running.client.callTool('probe.wait', {}, { timeoutMs: 300 })));
    expect(failure.code).toBe(status.DEADLINE_EXCEEDED);
    await waitFor(() => readLines().filter((line) => line === 'cancelled').length > before, {
      what: 'the backend to see the cancellation',
    });
  });

  it('the per-call inactivity timeout ends a silent call with DEADLINE_EXCEEDED and an error event', async () => {
    const events: unknown[] = [];
    const failure = await statusOf(
      (async () => {
        for await (const event of running.client.callTool('probe.wait', {}, { callTimeoutMs: 200 })) events.push(event);
      })(),
    );
    expect(failure.code).toBe(status.DEADLINE_EXCEEDED);
    expect(failure.details).toContain('sent nothing for 200 ms');
    expect(events).toMatchObject([{ event: { $case: 'error', value: { category: 'timeout' } } }]);
  });
});

describe('WatchChanges', () => {
  it('starts with a ready event naming the backends', async () => {
    const controller = new AbortController();
    for await (const event of running.client.watchChanges({}, { signal: controller.signal })) {
      expect(event.event).toMatchObject({ $case: 'ready', value: { backends: ['native', 'probe'] } });
      break;
    }
  });

  it('a backend list_changed refreshes the catalog, then reaches the watcher', async () => {
    const controller = new AbortController();
    const events = running.client.watchChanges({}, { signal: controller.signal })[Symbol.asyncIterator]();
    expect((await events.next()).value?.event?.$case).toBe('ready');
    const added = await collect(running.client.callTool('probe.add-tool', {}));
    expect(added.at(-1)?.event?.$case).toBe('result');
    const change = (await events.next()).value;
    expect(change?.event).toMatchObject({
      $case: 'listChanged',
      value: { kind: ListKind.LIST_KIND_TOOLS, backend: 'probe' },
    });
    const { tools } = await running.client.listTools('probe');
    expect(tools.map((tool) => tool.name)).toContain('probe.added-1');
    controller.abort();
    await events.return?.();
  });
});

function readLines(): string[] {
  try {
    return readFileSync(probeLog, 'utf8').split('\n');
  } catch {
    return [];
  }
}
