// A backend that refuses the credentials is not an outage: requests fail at once with the
// credentials error instead of waiting out their timeout while the connection restarts in the
// background (the restarts would be refused the same way).
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { createBackendConnection } from '../src/index.js';
import { fastSupervision } from './helpers.js';
import { startSessionHttpServer } from './session-http-server.js';

describe('refused credentials', () => {
  it('fail the first request and the ones after it at once, as unauthenticated', async () => {
    await using server = await startSessionHttpServer({ requireToken: (token) => token === 's3cret' });
    await using backend = createBackendConnection(
      'refused',
      { transport: 'http', url: server.url, bearerToken: 'wrong' },
      // A request would wait up to 20 s for a restarting backend.
      { supervision: { ...fastSupervision, requestTimeoutMs: 20_000 } },
    );
    for (let request = 0; request < 3; request++) {
      const started = performance.now();
      const failure = await backend.callTool('whoami').catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'CONNECT_FAILED', category: 'unauthenticated', backend: 'refused' });
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(['restarting', 'connecting']).toContain(backend.status);
    }
  }, 60_000);
});
