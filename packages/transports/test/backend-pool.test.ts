import { McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { backendPoolOf, createBackendConnection, createBackendPool } from '../src/index.js';
import { fastSupervision, isAlive, nextEvent, probeStdio } from './helpers.js';

describe('createBackendPool', () => {
  it('connects all backends, reports the broken one, aggregates events, and closes everything', async () => {
    const memory = new McpServer(
      { name: 'memory', version: '1.0.0' },
      { capabilities: { tools: { listChanged: true } } },
    );
    const pool = createBackendPool(
      {
        memory: { transport: 'in-memory', server: memory },
        probe: probeStdio(),
        broken: { transport: 'stdio', command: '/nonexistent/server' },
      },
      (name) => ({ clientInfo: { name: `pool-${name}`, version: '1.0.0' }, supervision: fastSupervision }),
    );
    const result = await pool.connectAll();
    expect(result.ready).toEqual(['memory', 'probe']);
    expect(Object.keys(result.failed)).toEqual(['broken']);
    expect(result.failed.broken).toMatchObject({ code: 'CONNECT_FAILED', backend: 'broken' });
    expect(pool.statuses()).toEqual({ memory: 'ready', probe: 'ready', broken: 'restarting' });

    const kinds: string[] = [];
    const off = pool.on('list_changed', (event) => kinds.push(`${event.backend}:${event.kind}`));
    const changed = nextEvent(pool.get('memory'), 'list_changed');
    memory.registerTool('late', { description: 'added later' }, async () => ({ content: [] }));
    await changed;
    off();
    expect(kinds).toEqual(['memory:tools']);

    expect(() => pool.get('nope')).toThrow(expect.objectContaining({ code: 'UNKNOWN_BACKEND', category: 'not_found' }));
    const pid = pool.get('probe').pid;
    if (pid === undefined) throw new Error('no pid');
    await pool.close();
    expect(isAlive(pid)).toBe(false);
    expect(pool.statuses()).toEqual({ memory: 'closed', probe: 'closed', broken: 'closed' });
  });

  it('validates every config before starting anything', () => {
    expect(() => createBackendPool({ good: probeStdio(), bad: { transport: 'http', url: 'nope' } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', backend: 'bad' }),
    );
    expect(() => createBackendPool('not a map')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('pools connections made elsewhere; a backend still connecting after waitMs is reported and goes on', async () => {
    const memory = new McpServer({ name: 'memory', version: '1.0.0' }, { capabilities: { tools: {} } });
    // A process that never answers `initialize`: its connect() waits for connectTimeoutMs.
    const silent = createBackendConnection(
      'silent',
      { transport: 'stdio', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] },
      { supervision: fastSupervision },
    );
    const pool = backendPoolOf([createBackendConnection('memory', { transport: 'in-memory', server: memory }), silent]);
    const started = performance.now();
    const result = await pool.connectAll({ waitMs: 300 });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.ready).toEqual(['memory']);
    expect(result.failed.silent).toMatchObject({ code: 'CONNECT_FAILED', category: 'unavailable', backend: 'silent' });
    expect(result.failed.silent?.message).toContain('still connecting after 300 ms');
    expect(pool.statuses().silent).toBe('connecting');
    await pool.close();
    expect(pool.statuses()).toEqual({ memory: 'closed', silent: 'closed' });
    expect(() => backendPoolOf([silent, silent])).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
