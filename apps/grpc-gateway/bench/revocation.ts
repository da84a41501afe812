// What `auth.revocation` costs per call and how soon a revocation is seen, against a real local
// redis-server. Three gateways in this process, same token, same native.echo call, 16 in flight:
// auth on without revocation, with revocation (cacheTtlMs 1000, the default) and with every call asking
// Redis (cacheTtlMs 0). Rounds alternate the order; the median calls/s of each side is printed with its
// ratio to auth-only. Then: a token is revoked in the store and calls are sent until one is refused.
// Run: pnpm --filter @mcs/grpc-gateway build && node apps/grpc-gateway/bench/revocation.ts
// BENCH_ROUNDS (default 3), BENCH_SECONDS (default 2). Noisy on a shared machine: compare ratios.
import { createKeyRing, createTokenIssuer, generateSigningKey } from '@mcs/auth';
import { createSessionStore } from '@mcs/session-store';
import { pino } from 'pino';
// The benches' throwaway redis-server (@mcs/test-utils is source for Vitest, not for plain node).
import { startRedis, stopAll } from '../../../bench/http-mcp-server/bench-processes.mjs';
import { createGatewayClient, type GatewayClient, parseGatewayConfig, startGateway } from '../dist/index.js';
import { startJwksServer } from '../test/fixtures/jwks-server.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const inFlight = 16;
const audience = 'mcs-grpc-gateway';
const logger = pino({ level: 'silent' });
const print = (line: string) => process.stdout.write(`${line}\n`);

const redisUrl: string = await startRedis();
const key = await generateSigningKey({ alg: 'ES256' });
await using jwks = await startJwksServer([key.publicJwk]);
const issuer = createTokenIssuer({ issuer: jwks.issuerUrl, keyRing: createKeyRing({ keys: [key] }) });
const issue = async () => issuer.issueAccessToken({ subject: 'bench', audience, scopes: ['bench'] });

const auth = { mode: 'on', jwksUri: jwks.jwksUri, issuer: jwks.issuerUrl, audience } as const;
const sides = {
  'auth only': auth,
  'revocation, cacheTtlMs 1000': { ...auth, revocation: { redisUrl: redisUrl, cacheTtlMs: 1_000 } },
  'revocation, cacheTtlMs 0': { ...auth, revocation: { redisUrl: redisUrl, cacheTtlMs: 0 } },
};
const started = await Promise.all(
  Object.entries(sides).map(async ([name, side]) => {
    const gateway = await startGateway(
      parseGatewayConfig({ host: '127.0.0.1', port: 0, auth: side, rbac: { '*': ['native.echo'] } }),
      { logger },
    );
    const client = createGatewayClient({ address: `127.0.0.1:${gateway.port}`, token: (await issue()).token });
    return { name, gateway, client };
  }),
);

async function echo(client: GatewayClient): Promise<void> {
  for await (const _event of client.callTool('native.echo', { message: 'hi' })) {
    // drain the stream
  }
}

async function callsPerSecond(client: GatewayClient): Promise<number> {
  const warmUntil = Date.now() + 200;
  while (Date.now() < warmUntil) await echo(client);
  let calls = 0;
  const until = performance.now() + seconds * 1_000;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) {
        await echo(client);
        calls++;
      }
    }),
  );
  return calls / ((performance.now() - begin) / 1_000);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const results = new Map<string, number[]>(started.map(({ name }) => [name, []]));
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? started : [...started].reverse();
  for (const { name, client } of order) results.get(name)!.push(await callsPerSecond(client));
}
const baseline = median(results.get('auth only')!);
print(`native.echo, ${inFlight} in flight, ${rounds} rounds x ${seconds} s (median calls/s, ratio to auth only)`);
for (const [name, values] of results) {
  const spread = `${Math.round(Math.min(...values))}-${Math.round(Math.max(...values))}`;
  print(
    `  ${name.padEnd(30)} ${String(Math.round(median(values))).padStart(7)} calls/s  ${(median(values) / baseline).toFixed(2)}x  (${spread})`,
  );
}

// How soon a revocation is refused: revoke in the store, then call until refused (bounded).
const store = createSessionStore({ redisUrl: redisUrl });
const cached = started.find(({ name }) => name === 'revocation, cacheTtlMs 1000')!;
const delays: number[] = [];
for (let attempt = 0; attempt < 5; attempt++) {
  const token = await issue();
  const client = createGatewayClient({ address: `127.0.0.1:${cached.gateway.port}`, token: token.token });
  await echo(client); // the "not revoked" answer is now cached
  const revokedAt = performance.now();
  await store.revokeToken(token.jti, token.expiresAt.getTime());
  let refusedAfter: number | undefined;
  while (refusedAfter === undefined && performance.now() - revokedAt < 10_000) {
    try {
      await echo(client);
    } catch {
      refusedAfter = performance.now() - revokedAt;
    }
  }
  client.close();
  delays.push(refusedAfter ?? Number.POSITIVE_INFINITY);
}
print(
  `revoked -> first refused call (cacheTtlMs 1000, 5 tokens): median ${Math.round(median(delays))} ms, max ${Math.round(Math.max(...delays))} ms`,
);

await store.close();
for (const { gateway, client } of started) {
  client.close();
  await gateway.close();
}
stopAll();
