import { afterEach, describe, expect, it } from 'vitest';
import { type BackendConnection, createBackendConnection, TransportError } from '../src/index.js';
import { everythingStdio, fastSupervision, isAlive, nextEvent, textOf } from './helpers.js';

describe('stdio backend: @modelcontextprotocol/server-everything', () => {
  const opened: BackendConnection[] = [];
  const open = (name = 'everything') => {
    const connection = createBackendConnection(name, everythingStdio(), { supervision: fastSupervision });
    opened.push(connection);
    return connection;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((connection) => connection.close()));
  });

  it('lists and calls tools, reads resources and gets prompts over one session', async () => {
    const everything = open();
    await everything.connect();
    expect(everything.status).toBe('ready');
    expect(everything.serverInfo?.name).toBe('mcp-servers/everything');
    expect(everything.serverCapabilities?.tools).toBeDefined();

    const tools = await everything.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['echo', 'get-sum', 'trigger-long-running-operation']),
    );

    const echoed = await everything.callTool('echo', { message: 'hello' });
    expect(textOf(echoed)).toBe('Echo: hello');
    const sum = await everything.callTool('get-sum', { a: 2, b: 3 });
    expect(textOf(sum)).toContain('5');

    const resources = await everything.listResources();
    expect(resources.length).toBeGreaterThan(0);
    const first = resources[0];
    if (!first) throw new Error('server-everything listed no resources');
    const read = await everything.readResource(first.uri);
    expect(read.contents[0]?.uri).toBe(first.uri);
    const templates = await everything.listResourceTemplates();
    expect(templates.map((template) => template.uriTemplate)).toEqual(
      expect.arrayContaining([expect.stringContaining('demo://resource/dynamic')]),
    );

    const prompts = await everything.listPrompts();
    expect(prompts.map((prompt) => prompt.name)).toEqual(expect.arrayContaining(['simple-prompt', 'args-prompt']));
    const prompt = await everything.getPrompt('args-prompt', { city: 'Lyon' });
    expect(JSON.stringify(prompt.messages)).toContain('Lyon');
    expect(await everything.ping()).toBeGreaterThanOrEqual(0);
  });

  it('starts the process with the configured env on top of a safe default, not the parent environment', async () => {
    process.env.MCS_TRANSPORTS_PARENT_SECRET = 'must-not-leak';
    try {
      await using everything = createBackendConnection(
        'everything',
        { ...everythingStdio(), env: { MCS_BACKEND_SETTING: 'on' } },
        { supervision: fastSupervision },
      );
      const env = JSON.parse(textOf(await everything.callTool('get-env'))) as Record<string, string>;
      expect(env.MCS_BACKEND_SETTING).toBe('on');
      expect(env.PATH).toBe(process.env.PATH);
      expect(env.MCS_TRANSPORTS_PARENT_SECRET).toBeUndefined();
    } finally {
      delete process.env.MCS_TRANSPORTS_PARENT_SECRET;
    }
  });

  it('passes progress notifications of a long-running call to that call only', async () => {
    const everything = open();
    const progress: number[] = [];
    const other: number[] = [];
    const [long] = await Promise.all([
      everything.callTool(
        'trigger-long-running-operation',
        { duration: 0.6, steps: 3 },
        { onProgress: (update) => progress.push(update.progress) },
      ),
      everything.callTool('echo', { message: 'side' }, { onProgress: (update) => other.push(update.progress) }),
    ]);
    expect(textOf(long)).toContain('Long running operation completed');
    // The last notification may race the response inside the SDK client; the earlier ones may not.
    expect(progress.slice(0, 2)).toEqual([1, 2]);
    expect(progress.every((value, index) => value === index + 1)).toBe(true);
    expect(other).toEqual([]);
  });

  it('multiplexes 16 parallel calls on one process without mixing up results', async () => {
    const everything = open();
    await everything.connect();
    const pid = everything.pid;
    const messages = Array.from({ length: 16 }, (_, index) => `caller-${index}-${'x'.repeat(index * 7)}`);
    const results = await Promise.all(messages.map((message) => everything.callTool('echo', { message })));
    expect(results.map(textOf)).toEqual(messages.map((message) => `Echo: ${message}`));
    expect(everything.pid).toBe(pid);
    expect(everything.restarts).toBe(0);
  });

  it('fails an in-flight call with BACKEND_EXITED when the process dies, restarts it, and leaves no orphan', async () => {
    const everything = open();
    await everything.connect();
    const firstPid = everything.pid;
    if (firstPid === undefined) throw new Error('no pid for the stdio backend');

    let killed = false;
    const call = everything.callTool(
      'trigger-long-running-operation',
      { duration: 5, steps: 5 },
      {
        onProgress: () => {
          if (killed) return;
          killed = true;
          process.kill(firstPid, 'SIGKILL');
        },
      },
    );
    const exited = nextEvent(everything, 'exit');
    const ready = nextEvent(everything, 'status', (event) => event.status === 'ready');
    const failure = await call.then(
      () => {
        throw new Error('the call should have failed');
      },
      (error: unknown) => error,
    );
    expect(TransportError.isInstance(failure)).toBe(true);
    const error = failure as TransportError;
    expect(error.code).toBe('BACKEND_EXITED');
    expect(error.category).toBe('unavailable');
    expect(error.message).toContain('everything');
    expect(error.message).toContain('SIGKILL');
    expect(await exited).toMatchObject({ pid: firstPid, signal: 'SIGKILL', expected: false });

    await ready;
    expect(everything.pid).not.toBe(firstPid);
    expect(everything.restarts).toBe(1);
    expect(textOf(await everything.callTool('echo', { message: 'after restart' }))).toBe('Echo: after restart');
    expect(isAlive(firstPid)).toBe(false);
    expect(isAlive(-firstPid)).toBe(false);
  });

  it('close() ends the process group and later calls fail with NOT_CONNECTED', async () => {
    const everything = open();
    await everything.connect();
    const pid = everything.pid;
    if (pid === undefined) throw new Error('no pid for the stdio backend');
    expect(isAlive(pid)).toBe(true);
    const exit = nextEvent(everything, 'exit');
    await everything.close();
    expect(await exit).toMatchObject({ pid, expected: true });
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(-pid)).toBe(false);
    expect(everything.status).toBe('closed');
    await expect(everything.callTool('echo', { message: 'late' })).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    await everything.close();
  });
});
