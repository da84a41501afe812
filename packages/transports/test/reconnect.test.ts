// reconnect(): the user's "start over now", on a stdio process and on an HTTP server that came back
// while the connection waited out a long backoff.
import { describe, expect, it } from 'vitest';
import { createBackendConnection } from '../src/index.js';
import { startEverythingServer } from './everything-server.js';
import { everythingStdio, fastSupervision, isAlive, textOf } from './helpers.js';

/** A backoff far longer than any test: only reconnect() can bring the session back in time. */
const slowRestarts = { ...fastSupervision, restart: { initialDelayMs: 600_000, maxDelayMs: 600_000, jitterFactor: 0 } };

describe('BackendConnection.reconnect', () => {
  it('stdio: a new process replaces the running one (the old one is gone) and calls go on', async () => {
    await using everything = createBackendConnection('everything', everythingStdio(), { supervision: fastSupervision });
    await everything.connect();
    const before = everything.pid as number;
    await everything.reconnect();
    expect(everything.status).toBe('ready');
    const after = everything.pid as number;
    expect(after).not.toBe(before);
    expect(isAlive(before)).toBe(false);
    expect(textOf(await everything.callTool('echo', { message: 'again' }))).toBe('Echo: again');
  });

  it('HTTP: a server that is back is used at once, without waiting for the scheduled restart', async () => {
    await using server = await startEverythingServer('streamableHttp');
    await using backend = createBackendConnection(
      'remote',
      { transport: 'http', url: server.url },
      { supervision: slowRestarts },
    );
    await backend.connect();
    await server.crash();
    // The next request finds the session gone: the connection waits out its (long) backoff.
    await expect(backend.callTool('echo', { message: 'x' }, { timeoutMs: 2_000 })).rejects.toThrow();
    expect(backend.status).toBe('restarting');
    await server.start();
    await backend.reconnect();
    expect(backend.status).toBe('ready');
    expect(textOf(await backend.callTool('echo', { message: 'back' }))).toBe('Echo: back');
  });

  it('a backend that still cannot start: reconnect rejects with the connect error; after close() it says closed', async () => {
    const broken = createBackendConnection(
      'broken',
      { transport: 'stdio', command: process.execPath, args: ['-e', 'process.exit(3)'] },
      { supervision: slowRestarts },
    );
    await expect(broken.connect()).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
    await expect(broken.reconnect()).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
    expect(broken.status).toBe('restarting');
    await broken.close();
    await expect(broken.reconnect()).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  });
});
