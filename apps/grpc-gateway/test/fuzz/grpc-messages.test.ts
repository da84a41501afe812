// Property-based fuzzing (fast-check) of the gateway's gRPC messages, as an attacker sends them: every
// method of mcs.v1.ContextGateway with arbitrary field values (huge and lone-surrogate names, any JSON
// arguments, any page size, token and timeout), with bytes that are not the method's message at all
// (hand-encoded fields of the wrong wire type, random bytes), and with arbitrary metadata. Each call
// must end with a status before its deadline (no hang), with a bounded message, never UNKNOWN or
// INTERNAL (a client's mistake is not a server error); the
// gateway (in this process: a crash or an unhandled rejection fails the run) keeps serving, and a
// call in flight on the same channel completes. Bounded: fixed seed, a few dozen runs per property.
import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import { MAX_ERROR_MESSAGE_BYTES } from '@mcs/resilience';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, probeBackend, type RunningGateway, startTestGateway } from '../fixtures/gateway-fixture.js';

const SEED = 20_261_207;
const CALL_DEADLINE_MS = 8_000;
const SERVICE = '/mcs.v1.ContextGateway/';
const UNARY = ['ListTools', 'ListResources', 'ListResourceTemplates', 'ListPrompts', 'GetPrompt'] as const;
const STREAMING = ['CallTool', 'ReadResource', 'WatchChanges'] as const;

let running: RunningGateway;
let generic: Client;
let address: string;

beforeAll(async () => {
  running = await startTestGateway({ backends: { probe: probeBackend() } });
  address = `127.0.0.1:${running.gateway.port}`;
  // Bytes in, bytes out: whatever the property generates goes on the wire as it is.
  generic = new Client(address, credentials.createInsecure());
});
afterAll(async () => {
  generic?.close();
  await running?.[Symbol.asyncDispose]();
});

/** A watch is a subscription: well-formed, it stays open until the client's deadline, by design. */
const WATCH_DEADLINE_MS = 500;
const deadlineOf = (method: string) => (method === 'WatchChanges' ? WATCH_DEADLINE_MS : CALL_DEADLINE_MS);

interface Outcome {
  code: number;
  details: string;
  ms: number;
}

const identity = (bytes: Buffer) => bytes;

/** One call with raw request bytes; resolves with its status (never rejects). */
function rawCall(method: string, body: Uint8Array, metadata: Metadata): Promise<Outcome> {
  const started = performance.now();
  const deadline = Date.now() + deadlineOf(method);
  return new Promise((resolve) => {
    const done = (code: number, details: string) => resolve({ code, details, ms: performance.now() - started });
    if ((UNARY as readonly string[]).includes(method)) {
      generic.makeUnaryRequest(
        SERVICE + method,
        identity,
        identity,
        Buffer.from(body),
        metadata,
        { deadline },
        (error) => done(error?.code ?? status.OK, error?.details ?? ''),
      );
      return;
    }
    const call = generic.makeServerStreamRequest(SERVICE + method, identity, identity, Buffer.from(body), metadata, {
      deadline,
    });
    call.on('data', () => undefined);
    call.on('error', () => undefined);
    call.on('status', (received) => done(received.code, received.details));
  });
}

// --- a tiny protobuf writer, so that fields can carry the wrong wire type ---

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = Math.max(0, Math.floor(value));
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

type Field =
  | { field: number; wire: 0; value: number }
  | { field: number; wire: 2; value: Uint8Array }
  | { field: number; wire: 1 | 5; value: Uint8Array };

function encode(fields: Field[]): Uint8Array {
  const out: number[] = [];
  for (const item of fields) {
    out.push(...varint(item.field * 8 + item.wire));
    if (item.wire === 0) out.push(...varint(item.value));
    else if (item.wire === 2) out.push(...varint(item.value.length), ...item.value);
    else out.push(...item.value.slice(0, item.wire === 1 ? 8 : 4));
  }
  return Uint8Array.from(out);
}

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/** Strings as an attacker picks them: empty, huge, lone surrogates, controls, names of real tools. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('native.echo', 'probe.echo', 'native.', '.', 'probe', '\u0000', '\ud800', 'file:///etc/passwd'),
  fc.nat({ max: 200_000 }).map((length) => 'n'.repeat(length)),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((text) => text.repeat(500)),
);

/** Fields numbered as the contract's (1..8) and beyond, each with any wire type. */
const fieldArb: fc.Arbitrary<Field> = fc.oneof(
  fc.record({ field: fc.integer({ min: 1, max: 20 }), wire: fc.constant(0 as const), value: fc.nat() }),
  fc.record({
    field: fc.integer({ min: 1, max: 20 }),
    wire: fc.constant(2 as const),
    value: fc.oneof(hostileString.map(utf8), fc.uint8Array({ maxLength: 64 })),
  }),
  fc.record({
    field: fc.integer({ min: 1, max: 20 }),
    wire: fc.constantFrom(1 as const, 5 as const),
    value: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  }),
);

const bodyArb = fc.oneof(
  fc.array(fieldArb, { maxLength: 6 }).map(encode),
  fc.uint8Array({ maxLength: 256 }),
  // A length prefix that promises more than follows.
  fc
    .tuple(fc.integer({ min: 1, max: 20 }), fc.nat({ max: 1_000_000 }))
    .map(([field, length]) => Uint8Array.from([...varint(field * 8 + 2), ...varint(length), 1, 2, 3])),
);

const metadataArb = fc
  .array(
    fc.tuple(
      fc.constantFrom('mcp-tool', 'mcp-backend', 'authorization', 'x-request-id', 'traceparent', 'grpc-timeout-x'),
      fc.oneof(hostileString, fc.string({ unit: 'binary-ascii', maxLength: 30 })),
    ),
    { maxLength: 3 },
  )
  .map((pairs) => {
    const metadata = new Metadata();
    for (const [key, value] of pairs) {
      // Metadata values are ASCII without controls on the wire; grpc-js refuses others client-side.
      const printable = value.replace(/[^\x20-\x7e]/g, '?').slice(0, 8_000);
      // One value per key: grpc-js itself refuses a second `authorization` before sending.
      metadata.set(key, printable);
    }
    return metadata;
  });

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** What every call must end with: a status before its deadline, not UNKNOWN, a bounded message. */
function checkOutcome(outcome: Outcome, method: string): void {
  expect(outcome.code).not.toBe(status.UNKNOWN);
  if (method === 'WatchChanges') {
    expect(outcome.ms).toBeLessThan(WATCH_DEADLINE_MS + 2_000);
  } else {
    expect(outcome.ms).toBeLessThan(CALL_DEADLINE_MS);
    expect(outcome.code).not.toBe(status.DEADLINE_EXCEEDED);
  }
  expect(utf8Bytes(outcome.details)).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_BYTES);
  // A client's mistake is not a server error: bytes that are not a message of the method's type were
  // grpc-js's INTERNAL "Error deserializing request" before the gateway decoded them itself.
  expect(outcome.code).not.toBe(status.INTERNAL);
}

async function stillServing(): Promise<void> {
  const echo = await collect(running.client.callTool('native.echo', { message: 'still here' }));
  expect(echo.at(-1)?.event?.$case).toBe('result');
}

describe('gRPC messages fuzzed (fast-check)', () => {
  it('arbitrary bytes and wrong wire types, to every method, with arbitrary metadata: a status in time, bounded', {
    timeout: 120_000,
  }, async () => {
    const inFlight = collect(running.client.callTool('native.ticker', { count: 6, intervalMs: 300 }));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...UNARY, ...STREAMING),
        bodyArb,
        metadataArb,
        async (method, body, metadata) => {
          checkOutcome(await rawCall(method, body, metadata), method);
        },
      ),
      { seed: SEED, numRuns: 150, endOnFailure: true },
    );
    expect((await inFlight).at(-1)?.event?.$case).toBe('result');
    await stillServing();
  });

  it('well-formed messages with hostile field values: a status in time, bounded', {
    timeout: 120_000,
  }, async () => {
    const { raw } = running.client;
    const page = fc.record({
      backend: hostileString,
      pageSize: fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31))),
      pageToken: hostileString,
    });
    const jsonArguments = fc.dictionary(
      hostileString.map((key) => key.slice(0, 2_000)),
      fc.jsonValue({ maxDepth: 4 }),
      {
        maxKeys: 4,
      },
    );
    const request = fc.oneof(
      fc.record({ method: fc.constant('ListTools' as const), input: page }),
      fc.record({ method: fc.constant('ListResources' as const), input: page }),
      fc.record({ method: fc.constant('ListPrompts' as const), input: page }),
      fc.record({
        method: fc.constant('GetPrompt' as const),
        input: fc.record({
          name: hostileString,
          arguments: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
        }),
      }),
      fc.record({
        method: fc.constant('CallTool' as const),
        input: fc.record({
          name: fc.oneof(hostileString, fc.constantFrom('native.echo', 'probe.echo', 'native.ticker')),
          arguments: jsonArguments,
          // Bounded so that a real tool given a long timeout still answers within the call deadline.
          timeoutMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000 })),
        }),
      }),
      fc.record({
        method: fc.constant('ReadResource' as const),
        input: fc.record({ uri: hostileString, backend: hostileString }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(request, async ({ method, input }) => {
        const started = performance.now();
        const deadline = Date.now() + CALL_DEADLINE_MS;
        const outcome = await new Promise<Outcome>((resolve) => {
          const done = (code: number, details: string) => resolve({ code, details, ms: performance.now() - started });
          const callback = (error: { code?: number; details?: string } | null) =>
            done(error?.code ?? status.OK, error?.details ?? '');
          const streamed = (call: NodeJS.EventEmitter) => {
            call.on('data', () => undefined);
            call.on('error', () => undefined);
            call.on('status', (received: { code: number; details: string }) => done(received.code, received.details));
          };
          const metadata = new Metadata();
          if (method === 'ListTools') raw.listTools(input, metadata, { deadline }, callback);
          else if (method === 'ListResources') raw.listResources(input, metadata, { deadline }, callback);
          else if (method === 'ListPrompts') raw.listPrompts(input, metadata, { deadline }, callback);
          else if (method === 'GetPrompt') raw.getPrompt(input, metadata, { deadline }, callback);
          else if (method === 'CallTool') streamed(raw.callTool(input, metadata, { deadline }));
          else streamed(raw.readResource(input, metadata, { deadline }));
        });
        checkOutcome(outcome, method);
      }),
      { seed: SEED, numRuns: 120, endOnFailure: true },
    );
    await stillServing();
  });
});
