import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';
import { describe, expect, it } from 'vitest';
import { type JsonSchemaValidatorProvider, parseToolResult } from '../src/index.js';
import { expectParseError } from './helpers.js';

const weatherSchema = {
  type: 'object',
  properties: { temperature: { type: 'number' }, conditions: { type: 'string' } },
  required: ['temperature', 'conditions'],
  additionalProperties: false,
};

describe('parseToolResult', () => {
  it('numbers parts in order, records paths, sums sizes, keeps the result _meta', () => {
    const parsed = parseToolResult({
      content: [
        { type: 'text', text: 'ab' },
        { type: 'image', data: 'AAEC', mimeType: 'image/gif' },
      ],
      _meta: { 'io.example/request': 7 },
    });
    expect(parsed.isError).toBe(false);
    expect(parsed.errorMessage).toBeUndefined();
    expect(parsed.parts.map((part) => [part.type, part.index, part.path])).toEqual([
      ['text', 0, ['content', 0]],
      ['image', 1, ['content', 1]],
    ]);
    expect(parsed.byteLength).toBe(5);
    expect(parsed.meta).toEqual({ 'io.example/request': 7 });
  });

  it('treats a missing content array as empty (results may carry only structuredContent)', () => {
    const parsed = parseToolResult({ structuredContent: { ok: true } });
    expect(parsed.parts).toEqual([
      {
        type: 'structured',
        index: 0,
        path: ['structuredContent'],
        byteLength: 11,
        data: { ok: true },
        schemaValidated: false,
      },
    ]);
  });

  it('turns the text of an isError result into error parts and an errorMessage, keeping other blocks', () => {
    const parsed = parseToolResult({
      isError: true,
      content: [
        { type: 'text', text: 'disk full', annotations: { priority: 1 } },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
        { type: 'text', text: '{"retry":false}' },
      ],
    });
    expect(parsed.isError).toBe(true);
    expect(parsed.errorMessage).toBe('disk full\n{"retry":false}');
    expect(parsed.parts.map((part) => part.type)).toEqual(['error', 'image', 'error']);
    expect(parsed.parts[0]).toMatchObject({ message: 'disk full', annotations: { priority: 1 } });
  });

  it('gives an isError result without text one error part, so the failure is never silent', () => {
    const parsed = parseToolResult({ isError: true, content: [] });
    expect(parsed.errorMessage).toBe('the tool reported an error without a message');
    expect(parsed.parts).toEqual([
      {
        type: 'error',
        index: 0,
        path: ['isError'],
        byteLength: 0,
        message: 'the tool reported an error without a message',
      },
    ]);
  });

  it.each([
    ['null', null],
    ['a string', 'ok'],
    ['an array', []],
    ['content that is not an array', { content: { type: 'text', text: 'a' } }],
    ['isError that is not a boolean', { content: [], isError: 'yes' }],
    ['_meta that is not an object', { content: [], _meta: 3 }],
  ])('rejects %s with INVALID_RESULT in both modes', (_name, result) => {
    expectParseError(() => parseToolResult(result), 'INVALID_RESULT');
    expectParseError(() => parseToolResult(result, { mode: 'lenient' }), 'INVALID_RESULT');
  });

  it('reports the index and path of a bad block inside a result', () => {
    const result = {
      content: [
        { type: 'text', text: 'ok' },
        { type: 'image', data: '%%%%', mimeType: 'image/png' },
      ],
    };
    const error = expectParseError(() => parseToolResult(result), 'INVALID_BASE64');
    expect(error.path).toEqual(['content', 1, 'data']);
    expect(error.partIndex).toBe(1);
    expect(error.message).toContain('content[1].data');
    const lenient = parseToolResult(result, { mode: 'lenient' });
    expect(lenient.parts.map((part) => part.type)).toEqual(['text', 'unknown']);
    expect(lenient.parts[1]).toMatchObject({ index: 1, path: ['content', 1], issue: { code: 'INVALID_BASE64' } });
  });

  it('enforces maxResultBytes across parts and names the part that crossed it', () => {
    const block = { type: 'image', data: Buffer.alloc(600).toString('base64'), mimeType: 'image/png' };
    const result = { content: [block, block, block] };
    const error = expectParseError(() => parseToolResult(result, { maxResultBytes: 1500 }), 'RESULT_TOO_LARGE');
    expect(error.partIndex).toBe(2);
    expect(error.path).toEqual(['content', 2]);
    expect(error.message).toContain('part 2 (image)');
    expect(error.message).toContain('1800 bytes');
    expectParseError(() => parseToolResult(result, { maxResultBytes: 1500, mode: 'lenient' }), 'RESULT_TOO_LARGE');
    expect(parseToolResult(result, { maxResultBytes: 1800 }).byteLength).toBe(1800);
  });
});

describe('parseToolResult: structuredContent and outputSchema', () => {
  const good = { temperature: 21.5, conditions: 'sunny' };

  it('validates structuredContent against the outputSchema', () => {
    const parsed = parseToolResult(
      { content: [{ type: 'text', text: JSON.stringify(good) }], structuredContent: good },
      { outputSchema: weatherSchema },
    );
    expect(parsed.parts.map((part) => part.type)).toEqual(['json', 'structured']);
    expect(parsed.parts[1]).toMatchObject({ data: good, schemaValidated: true, path: ['structuredContent'], index: 1 });
  });

  it('throws SCHEMA_MISMATCH in strict mode and keeps an unknown part with the issue in lenient mode', () => {
    const bad = { temperature: 'warm', conditions: 'sunny', extra: 1 };
    const error = expectParseError(
      () => parseToolResult({ structuredContent: bad }, { outputSchema: weatherSchema }),
      'SCHEMA_MISMATCH',
    );
    expect(error.path).toEqual(['structuredContent']);
    expect(error.message).toContain('temperature');
    const lenient = parseToolResult({ structuredContent: bad }, { outputSchema: weatherSchema, mode: 'lenient' });
    expect(lenient.parts).toEqual([
      {
        type: 'unknown',
        index: 0,
        path: ['structuredContent'],
        byteLength: Buffer.byteLength(JSON.stringify(bad)),
        raw: bad,
        issue: {
          code: 'SCHEMA_MISMATCH',
          message: expect.stringContaining('outputSchema'),
          path: ['structuredContent'],
        },
      },
    ]);
  });

  it('requires structuredContent when an outputSchema is given', () => {
    const result = { content: [{ type: 'text', text: 'no structure' }] };
    expectParseError(() => parseToolResult(result, { outputSchema: weatherSchema }), 'SCHEMA_MISMATCH');
    const lenient = parseToolResult(result, { outputSchema: weatherSchema, mode: 'lenient' });
    expect(lenient.parts[1]).toMatchObject({ type: 'unknown', raw: undefined, issue: { code: 'SCHEMA_MISMATCH' } });
  });

  it('does not validate the structuredContent of an isError result (the schema describes success)', () => {
    const parsed = parseToolResult(
      { isError: true, content: [{ type: 'text', text: 'failed' }], structuredContent: { code: 'E1' } },
      { outputSchema: weatherSchema },
    );
    expect(parsed.parts[1]).toMatchObject({ type: 'structured', data: { code: 'E1' }, schemaValidated: false });
  });

  it('accepts any JSON value as structuredContent (arrays, scalars)', () => {
    const schema = { type: 'array', items: { type: 'integer' } };
    expect(parseToolResult({ structuredContent: [1, 2] }, { outputSchema: schema }).parts[0]).toMatchObject({
      data: [1, 2],
      schemaValidated: true,
    });
    expectParseError(
      () => parseToolResult({ structuredContent: [1, 'x'] }, { outputSchema: schema }),
      'SCHEMA_MISMATCH',
    );
  });

  it('follows the declared dialect: 2020-12 (the default) and draft-07', () => {
    const tuple2020 = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      prefixItems: [{ type: 'string' }],
      items: false,
    };
    expect(parseToolResult({ structuredContent: ['a'] }, { outputSchema: tuple2020 }).parts[0]?.type).toBe(
      'structured',
    );
    expectParseError(
      () => parseToolResult({ structuredContent: ['a', 1] }, { outputSchema: tuple2020 }),
      'SCHEMA_MISMATCH',
    );
    const draft7 = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      items: [{ type: 'string' }],
      additionalItems: false,
    };
    expect(parseToolResult({ structuredContent: ['a'] }, { outputSchema: draft7 }).parts[0]?.type).toBe('structured');
    expectParseError(
      () => parseToolResult({ structuredContent: ['a', 1] }, { outputSchema: draft7 }),
      'SCHEMA_MISMATCH',
    );
  });

  it('checks formats (ajv-formats)', () => {
    const schema = { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } };
    expect(
      parseToolResult({ structuredContent: { at: '2025-06-18T10:00:00Z' } }, { outputSchema: schema }).parts,
    ).toHaveLength(1);
    expectParseError(
      () => parseToolResult({ structuredContent: { at: 'yesterday' } }, { outputSchema: schema }),
      'SCHEMA_MISMATCH',
    );
  });

  it('reports an unusable outputSchema as INVALID_SCHEMA (lenient: unknown part)', () => {
    for (const outputSchema of [
      { type: 'no-such-type' },
      { $schema: 'https://example.com/my-dialect', type: 'object' },
    ]) {
      expectParseError(() => parseToolResult({ structuredContent: {} }, { outputSchema }), 'INVALID_SCHEMA');
      expect(parseToolResult({ structuredContent: {} }, { outputSchema, mode: 'lenient' }).parts[0]).toMatchObject({
        type: 'unknown',
        issue: { code: 'INVALID_SCHEMA' },
      });
    }
    expectParseError(
      () => parseToolResult({ structuredContent: {} }, { outputSchema: [] as never }),
      'INVALID_OPTIONS',
    );
  });

  it("accepts the MCP SDK's own validator as schemaValidator", () => {
    const schemaValidator: JsonSchemaValidatorProvider = new AjvJsonSchemaValidator();
    expect(
      parseToolResult({ structuredContent: good }, { outputSchema: weatherSchema, schemaValidator }).parts[0],
    ).toMatchObject({ type: 'structured', schemaValidated: true });
    const error = expectParseError(
      () =>
        parseToolResult({ structuredContent: { temperature: 1 } }, { outputSchema: weatherSchema, schemaValidator }),
      'SCHEMA_MISMATCH',
    );
    expect(error.message).toContain('conditions');
  });

  it('hands a custom provider the caller’s own schema object and reports its verdict', () => {
    const seen: unknown[] = [];
    const schemaValidator: JsonSchemaValidatorProvider = {
      getValidator(schema) {
        seen.push(schema);
        return (input) =>
          typeof input === 'number' ? { valid: true } : { valid: false, errorMessage: 'want a number' };
      },
    };
    expect(
      parseToolResult({ structuredContent: 3 }, { outputSchema: weatherSchema, schemaValidator }).parts[0],
    ).toMatchObject({
      schemaValidated: true,
    });
    const error = expectParseError(
      () => parseToolResult({ structuredContent: 'x' }, { outputSchema: weatherSchema, schemaValidator }),
      'SCHEMA_MISMATCH',
    );
    expect(error.message).toContain('want a number');
    // The same object, not a copy: providers may cache compiled schemas per object.
    expect(seen).toEqual([weatherSchema, weatherSchema]);
    expect(seen[0]).toBe(weatherSchema);
  });

  it('validates fresh schema objects that share an $id (a re-listed tool) without collisions', () => {
    const schema = () => ({ $id: 'https://example.com/weather', ...weatherSchema });
    for (let round = 0; round < 3; round += 1) {
      expect(parseToolResult({ structuredContent: good }, { outputSchema: schema() }).parts[0]?.type).toBe(
        'structured',
      );
    }
    expectParseError(() => parseToolResult({ structuredContent: {} }, { outputSchema: schema() }), 'SCHEMA_MISMATCH');
  });
});
