// Throughput of the hot store operations, in-memory vs a real local redis-server.
// Run: pnpm --filter @mcs/session-store build && pnpm --filter @mcs/session-store bench
// Numbers on a shared machine are noisy; compare runs on the same machine only.
import { randomUUID } from 'node:crypto';
import { startRedisServer } from '@mcs/test-utils';
import { createSessionStore, type SessionStore } from '../dist/index.js';

const OPERATIONS = Number(process.env.BENCH_OPERATIONS ?? 5_000);
const CONCURRENCY = 16;

async function measure(name: string, operation: (index: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < OPERATIONS) await operation(next++);
    }),
  );
  const perSecond = Math.round(OPERATIONS / ((performance.now() - started) / 1_000));
  process.stdout.write(`  ${name.padEnd(28)} ${String(perSecond).padStart(8)} ops/s\n`);
  return perSecond;
}

async function run(label: string, store: SessionStore): Promise<Record<string, number>> {
  process.stdout.write(`${label} (${OPERATIONS} operations, ${CONCURRENCY} in flight)\n`);
  const session = randomUUID();
  await store.createProtocolSession({
    id: session,
    protocolVersion: '2025-11-25',
    clientCapabilities: { sampling: {} },
  });
  const results: Record<string, number> = {};
  results.touch = await measure('touchProtocolSession', () => store.touchProtocolSession(session));
  results.get = await measure('getProtocolSession', () => store.getProtocolSession(session));
  results.append = await measure('appendEvent', (index) =>
    store.appendEvent(`${session}/_GET_stream`, {
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { index },
    }),
  );
  results.putTake = await measure('putRecord + takeRecord', async (index) => {
    await store.putRecord('authcode', `${session}-${index}`, { clientId: 'c' });
    await store.takeRecord('authcode', `${session}-${index}`);
  });
  await store.close();
  return results;
}

const memory = await run('in-memory', createSessionStore({}));
const redis = await startRedisServer();
try {
  const onRedis = await run('redis', createSessionStore({ redisUrl: redis.url, keyPrefix: 'bench:' }));
  process.stdout.write('redis / in-memory\n');
  for (const [name, value] of Object.entries(onRedis)) {
    process.stdout.write(`  ${name.padEnd(28)} ${(value / (memory[name] ?? 1)).toFixed(3)}x\n`);
  }
} finally {
  await redis.stop();
}
