import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

export interface TestServer extends AsyncDisposable {
  readonly app: FastifyInstance;
  /** e.g. http://127.0.0.1:40123 */
  readonly origin: string;
  close(): Promise<void>;
}

/** Our server in-process on a free loopback port (MCS_AUTH=off); `env` adds or overrides settings. */
export async function startTestServer(env: Record<string, string | undefined> = {}): Promise<TestServer> {
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', MCS_AUTH: 'off', LOG_LEVEL: 'silent', ...env });
  const app = await buildApp(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('server has no address');
  const close = () => app.close();
  return { app, origin: `http://127.0.0.1:${address.port}`, close, [Symbol.asyncDispose]: close };
}
