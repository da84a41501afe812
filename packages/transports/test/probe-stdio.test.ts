import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { type BackendConnection, createBackendConnection, TransportError } from '../src/index.js';
import { fastSupervision, isAlive, nextEvent, probeStdio, textOf } from './helpers.js';

describe('stdio backend: cancellation, process groups, failures (own SDK server)', () => {
  const opened: BackendConnection[] = [];
  const open = (config: unknown = probeStdio(), supervision: object = fastSupervision) => {
    const connection = createBackendConnection('probe', config, { supervision });
    opened.push(connection);
    return connection;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((connection) => connection.close()));
  });

  it('aborting the signal rejects with CANCELLED and the backend receives notifications/cancelled', async () => {
    const probe = open();
    const controller = new AbortController();
    const call = probe.callTool(
      'wait',
      { ms: 30_000 },
      { signal: controller.signal, onProgress: () => controller.abort() },
    );
    await expect(call).rejects.toMatchObject({ code: 'CANCELLED', category: 'cancelled' });
    // The backend records the cancellation when its handler's signal fires.
    let recorded: { requestId: string; reason: string }[] = [];
    for (let attempt = 0; attempt < 50 && recorded.length === 0; attempt++) {
      recorded = JSON.parse(textOf(await probe.callTool('cancellations')));
      if (recorded.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(recorded).toHaveLength(1);
    expect(probe.breakerState).toBe('closed');
  });

  it('starts the process in the configured cwd', async () => {
    const cwd = realpathSync(tmpdir());
    const probe = open({ ...probeStdio(), cwd });
    expect(textOf(await probe.callTool('cwd'))).toBe(cwd);
  });

  it('a request timeout rejects with REQUEST_TIMEOUT and cancels the request on the backend', async () => {
    const probe = open();
    await probe.connect();
    await expect(
      probe.callTool('wait', { ms: 30_000 }, { timeoutMs: 300, resetTimeoutOnProgress: false }),
    ).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT', category: 'timeout' });
    let recorded: unknown[] = [];
    for (let attempt = 0; attempt < 50 && recorded.length === 0; attempt++) {
      recorded = JSON.parse(textOf(await probe.callTool('cancellations')));
      if (recorded.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(recorded).toHaveLength(1);
  });

  it('an already aborted signal never reaches the backend', async () => {
    const probe = open();
    const controller = new AbortController();
    controller.abort();
    await expect(probe.callTool('wait', { ms: 10 }, { signal: controller.signal })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
  });

  it('close() kills the whole process group, grandchildren included', async () => {
    const probe = open();
    const grandchild = Number(textOf(await probe.callTool('spawn-grandchild')));
    const pid = probe.pid;
    if (pid === undefined) throw new Error('no pid');
    expect(isAlive(grandchild)).toBe(true);
    await probe.close();
    expect(isAlive(pid)).toBe(false);
    // The grandchild is reaped by init once killed; allow it a moment to disappear from the table.
    for (let attempt = 0; attempt < 40 && isAlive(grandchild); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(isAlive(grandchild)).toBe(false);
  });

  it('a backend that exits by itself is restarted, reporting its exit code; its grandchildren die too', async () => {
    const probe = open();
    const grandchild = Number(textOf(await probe.callTool('spawn-grandchild')));
    const firstPid = probe.pid;
    const exit = nextEvent(probe, 'exit');
    const restart = nextEvent(probe, 'restart');
    const ready = nextEvent(probe, 'status', (event) => event.status === 'ready');
    expect(textOf(await probe.callTool('exit', { code: 3 }))).toBe('bye');
    expect(await exit).toMatchObject({ pid: firstPid, code: 3, expected: false });
    const restarted = await restart;
    expect(restarted.reason.code).toBe('BACKEND_EXITED');
    expect(restarted.reason.message).toContain('exited with code 3');
    await ready;
    expect(probe.pid).not.toBe(firstPid);
    expect(Number(textOf(await probe.callTool('pid')))).toBe(probe.pid);
    for (let attempt = 0; attempt < 40 && isAlive(grandchild); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(isAlive(grandchild)).toBe(false);
  });

  it('a backend that stops reading stdin (EPIPE) fails the call cleanly and is replaced', async () => {
    const probe = open();
    expect(textOf(await probe.callTool('close-stdin'))).toBe('closing');
    const stuckPid = probe.pid;
    if (stuckPid === undefined) throw new Error('no pid');
    const restart = nextEvent(probe, 'restart');
    const ready = nextEvent(probe, 'status', (event) => event.status === 'ready' && event.previous === 'restarting');
    // Give the backend time to close its end of the pipe, then write to it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(probe.callTool('pid')).rejects.toMatchObject({ category: 'unavailable' });
    expect((await restart).reason.code).toBe('BACKEND_EXITED');
    await ready;
    expect(Number(textOf(await probe.callTool('pid')))).toBe(probe.pid);
    expect(isAlive(stuckPid)).toBe(false);
  });

  it('a command that cannot start fails connect() with CONNECT_FAILED and keeps retrying with backoff', async () => {
    const broken = open({ transport: 'stdio', command: '/nonexistent/mcp-server' });
    const restart = nextEvent(broken, 'restart', (event) => event.attempt === 2);
    const failure = await broken.connect().catch((error: unknown) => error);
    expect(TransportError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'CONNECT_FAILED', category: 'unavailable', backend: 'probe' });
    expect((failure as Error).message).toContain('/nonexistent/mcp-server');
    expect((await restart).delayMs).toBeLessThanOrEqual(500);
    expect(broken.status).toBe('restarting');
    await expect(broken.listTools({ timeoutMs: 200 })).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('gives up after maxAttempts failed restarts (status failed)', async () => {
    const broken = open(
      { transport: 'stdio', command: process.execPath, args: ['-e', 'process.exit(7)'] },
      { ...fastSupervision, restart: { initialDelayMs: 10, maxDelayMs: 20, maxAttempts: 2 } },
    );
    const failed = nextEvent(broken, 'status', (event) => event.status === 'failed');
    await expect(broken.connect()).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
    const event = await failed;
    expect(event.error?.message).toContain('failed 2 restarts in a row');
    await expect(broken.callTool('x')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('opens the circuit breaker after consecutive timeouts, fails fast, then closes after a good probe', async () => {
    const probe = open(probeStdio(), {
      ...fastSupervision,
      breaker: { failureThreshold: 2, recoveryTimeoutMs: 400 },
    });
    await probe.connect();
    const states: string[] = [];
    probe.on('breaker', (event) => states.push(event.state));
    const slow = { timeoutMs: 150, resetTimeoutOnProgress: false };
    for (let index = 0; index < 2; index++) {
      await expect(probe.callTool('wait', { ms: 5_000 }, slow)).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT' });
    }
    expect(probe.breakerState).toBe('open');
    const rejected = await probe.callTool('pid').catch((error: unknown) => error);
    expect(rejected).toMatchObject({ code: 'CIRCUIT_OPEN', category: 'unavailable', backend: 'probe' });
    expect((rejected as TransportError).retryAfterMs).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(Number(textOf(await probe.callTool('pid')))).toBe(probe.pid);
    expect(probe.breakerState).toBe('closed');
    expect(states).toEqual(['open', 'half_open', 'closed']);
  });

  it('a stalled backend (SIGSTOP) that resumes is served again at once: a recovery ping half-opens the breaker', async () => {
    // recoveryTimeoutMs far beyond the test: only the recovery pings can end the open state in time.
    const probe = open(probeStdio(), {
      ...fastSupervision,
      breaker: { failureThreshold: 2, recoveryTimeoutMs: 600_000, recoveryPingIntervalMs: 100 },
      health: { pingIntervalMs: 0 },
    });
    await probe.connect();
    const pid = probe.pid;
    if (pid === undefined) throw new Error('no pid');
    const opened = nextEvent(probe, 'breaker', (event) => event.state === 'open');
    process.kill(pid, 'SIGSTOP');
    try {
      const slow = { timeoutMs: 200, resetTimeoutOnProgress: false };
      for (let index = 0; index < 2; index++) {
        await expect(probe.callTool('pid', {}, slow)).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT' });
      }
      await opened;
      await expect(probe.callTool('pid')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // Before: open for the whole recoveryTimeoutMs (10 s by default) after the backend was fine again.
    await nextEvent(probe, 'breaker', (event) => event.state === 'half_open');
    expect(Number(textOf(await probe.callTool('pid')))).toBe(pid);
    expect(probe.breakerState).toBe('closed');
  });

  it('recovery pings are bounded by health.pingTimeoutMs: a backend allowed 8 s that answers pings in 6 s half-opens the breaker', async () => {
    // Before, every recovery ping timed out after a fixed 5 s whatever pingTimeoutMs said: this
    // backend never answered one in time, and the breaker stayed open for all of recoveryTimeoutMs.
    const probe = open(
      { ...probeStdio(), args: [...probeStdio().args, '--ping-delay-ms=6000'] },
      {
        ...fastSupervision,
        breaker: { failureThreshold: 2, recoveryTimeoutMs: 600_000, recoveryPingIntervalMs: 50 },
        health: { pingIntervalMs: 0, pingTimeoutMs: 8_000 },
      },
    );
    await probe.connect();
    const opened = nextEvent(probe, 'breaker', (event) => event.state === 'open');
    const slow = { timeoutMs: 150, resetTimeoutOnProgress: false };
    for (let index = 0; index < 2; index++) {
      await expect(probe.callTool('wait', { ms: 5_000 }, slow)).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT' });
    }
    await opened;
    await nextEvent(probe, 'breaker', (event) => event.state === 'half_open', 20_000);
    expect(Number(textOf(await probe.callTool('pid')))).toBe(probe.pid);
    expect(probe.breakerState).toBe('closed');
  });

  it('unknown tools and bad arguments are backend answers, not outages', async () => {
    const probe = open(probeStdio(), { ...fastSupervision, breaker: { failureThreshold: 1 } });
    // The SDK server answers an unknown tool with JSON-RPC -32602 and bad arguments with an isError result.
    await expect(probe.callTool('no-such-tool')).rejects.toMatchObject({
      code: 'BACKEND_ERROR',
      category: 'invalid_input',
      rpcCode: -32602,
    });
    const bad = await probe.callTool('wait', { ms: 'soon' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain('Invalid arguments');
    expect(probe.breakerState).toBe('closed');
  });

  it('health pings detect a hung backend (SIGSTOP) and restart it', async () => {
    const probe = open(probeStdio(), {
      ...fastSupervision,
      health: { pingIntervalMs: 100, pingTimeoutMs: 400, failuresBeforeRestart: 2 },
      shutdownGraceMs: 200,
    });
    await probe.connect();
    const hungPid = probe.pid;
    if (hungPid === undefined) throw new Error('no pid');
    const failedPing = nextEvent(probe, 'health', (event) => !event.ok);
    const restart = nextEvent(probe, 'restart');
    const ready = nextEvent(probe, 'status', (event) => event.status === 'ready' && event.previous === 'restarting');
    process.kill(hungPid, 'SIGSTOP');
    expect((await failedPing).error?.code).toBe('REQUEST_TIMEOUT');
    expect((await restart).reason.code).toBe('REQUEST_TIMEOUT');
    await ready;
    expect(probe.pid).not.toBe(hungPid);
    // The stopped process is killed during the restart; its exit is reaped asynchronously (bounded wait).
    for (let attempt = 0; attempt < 40 && isAlive(hungPid); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(isAlive(hungPid)).toBe(false);
    expect(Number(textOf(await probe.callTool('pid')))).toBe(probe.pid);
  });

  it('rejects invalid configs with CONFIG_INVALID naming the field', () => {
    expect(() => createBackendConnection('bad', { transport: 'stdio', command: '' })).toThrow(/command/);
    expect(() => createBackendConnection('bad', { transport: 'http', url: 'ftp://x' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', backend: 'bad' }),
    );
    expect(() => createBackendConnection('bad', { transport: 'carrier-pigeon' })).toThrow(/transport/);
    expect(() =>
      createBackendConnection('bad', probeStdio(), { supervision: { health: { pingIntervalMs: -1 } } }),
    ).toThrow(/health\.pingIntervalMs/);
    // A misspelt supervision setting (as read from a config file) is an error, not silently ignored.
    expect(() =>
      createBackendConnection('bad', probeStdio(), { supervision: JSON.parse('{"restart":{"intialDelayMs":5}}') }),
    ).toThrow(/intialDelayMs/);
  });
});
