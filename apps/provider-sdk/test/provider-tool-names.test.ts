// How pool tools are offered to the model: API-safe names (readable, a hash suffix when cut or
// colliding, mapped back), and input schemas prepared for function calling.
import { describe, expect, it } from 'vitest';
import type { PoolTool } from '../src/index.js';
import { allowsStrict, buildToolNames, prepareToolSchema } from '../src/tool-names.js';

const tool = (name: string, inputSchema: Record<string, unknown> = { type: 'object' }): PoolTool =>
  ({ name, backend: name.split('.')[0]!, backendToolName: name.slice(name.indexOf('.') + 1), inputSchema }) as PoolTool;

describe('tool names', () => {
  it('keeps short names readable and maps long or colliding ones to a stable hash suffix, reversibly', () => {
    const long = `search.${'find_documents_by_a_very_long_descriptive_name_'.repeat(2)}`;
    const pool = [
      tool('everything.echo'),
      tool(`${long}one`),
      tool(`${long}two`),
      tool('a.b'),
      tool('a.__b'),
      tool('a__b.x y'),
    ];
    const { tools, toPool, toModel } = buildToolNames(pool);
    const names = tools.map((entry) => entry.name);
    expect(names[0]).toBe('everything__echo');
    expect(new Set(names).size).toBe(pool.length);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(names[1]).toMatch(/^search__find_documents_by_a_very_long_[A-Za-z_]+_[0-9a-f]{8}$/);
    expect(names[1]).toHaveLength(64);
    expect(names[1]).not.toBe(names[2]);
    expect(names[5]).toBe('a__b__x_y');
    for (const entry of pool) expect(toPool.get(toModel.get(entry.name)!)).toBe(entry.name);
    // The same on every request (the model sees the same names across turns).
    expect(buildToolNames(pool).tools.map((entry) => entry.name)).toEqual(names);
  });
});

describe('tool schemas', () => {
  it('drops $schema / $id / $comment at any depth and adds type and properties', () => {
    expect(prepareToolSchema({ $schema: 'http://json-schema.org/draft-07/schema#' })).toEqual({
      type: 'object',
      properties: {},
    });
    expect(
      prepareToolSchema({
        type: 'object',
        properties: { q: { $comment: 'x', type: 'object', properties: { $id: 'a' } } },
      }),
    ).toEqual({ type: 'object', properties: { q: { type: 'object', properties: {} } } });
    expect(prepareToolSchema(undefined)).toEqual({ type: 'object', properties: {} });
  });

  it("sends a schema strict when that leaves the tool's arguments as they were: every property required, known keywords", () => {
    const closed = {
      type: 'object',
      properties: { q: { type: 'string', minLength: 1 }, n: { type: 'integer' } },
      required: ['q', 'n'],
      additionalProperties: false,
    };
    expect(allowsStrict({ ...closed, properties: { q: { type: 'string' }, n: { type: 'integer' } } })).toBe(true);
    expect(allowsStrict(closed)).toBe(false);
    expect(allowsStrict({ ...closed, properties: { q: { type: 'string' }, n: {} }, required: ['q'] })).toBe(false);
    // "Any value" has no strict form; an open object stays open.
    expect(allowsStrict({ ...closed, properties: { q: { type: 'string' }, n: {} } })).toBe(false);
    expect(allowsStrict({ type: 'object', properties: {}, additionalProperties: true })).toBe(false);
    const { tools } = buildToolNames([tool('x.open', { type: 'object', properties: { a: { type: 'string' } } })]);
    expect(tools[0]!.strict).toBeUndefined();
    expect(tools[0]!.parameters).toEqual({ type: 'object', properties: { a: { type: 'string' } } });
  });

  it('leaves a schema open where closing would change what the model may send: any object (a map), any array', () => {
    // A free-form map (hand-written schemas, Pydantic's dict): closed it would take only {}.
    const withMap = {
      type: 'object',
      properties: { labels: { type: 'object', description: 'any keys' }, q: { type: 'string' } },
      required: ['labels', 'q'],
    };
    expect(allowsStrict(withMap)).toBe(false);
    expect(
      allowsStrict({ ...withMap, properties: { ...withMap.properties, labels: { type: ['object', 'null'] } } }),
    ).toBe(false);
    // An array of anything: strict mode refuses an array schema without items (a 400 for every request).
    expect(allowsStrict({ ...withMap, properties: { labels: { type: 'array' }, q: { type: 'string' } } })).toBe(false);
    const { tools } = buildToolNames([tool('x.tag', withMap)]);
    expect(tools[0]!.strict).toBeUndefined();
    expect(tools[0]!.parameters).toEqual(withMap);
    // With its items and properties said, the same tool is strict.
    expect(
      allowsStrict({
        ...withMap,
        properties: { labels: { type: 'array', items: { type: 'string' } }, q: { type: 'string' } },
      }),
    ).toBe(true);
  });

  it("closes the objects of an MCP server's schema (no additionalProperties, every property required) for strict mode", () => {
    // What the MCP SDK lists for z.object({ amount: z.number(), card: z.object({ id: z.string() }) }).
    const listed = {
      type: 'object',
      properties: {
        amount: { type: 'number' },
        card: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        tags: {
          type: 'array',
          items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        },
      },
      required: ['amount', 'card', 'tags'],
      $schema: 'https://json-schema.org/draft/2020-12/schema',
    };
    const { tools } = buildToolNames([tool('pay.charge', listed), tool('x.none', { type: 'object' })]);
    expect(tools[0]).toMatchObject({ name: 'pay__charge', strict: true });
    expect(tools[0]!.parameters).toEqual({
      type: 'object',
      properties: {
        amount: { type: 'number' },
        card: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false },
        tags: {
          type: 'array',
          items: {
            type: 'object',
            properties: { name: { type: 'string' } },
            required: ['name'],
            additionalProperties: false,
          },
        },
      },
      required: ['amount', 'card', 'tags'],
      additionalProperties: false,
    });
    // A tool without arguments: strict, closed.
    expect(tools[1]).toMatchObject({
      strict: true,
      parameters: { type: 'object', properties: {}, additionalProperties: false },
    });
  });
});
