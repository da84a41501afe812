// Tool arguments are checked by @mcs/content-parser's validator, dialect by dialect: a draft-07 schema
// by draft-07 rules (the gateway's own copy dropped `$schema` and read every schema as 2020-12, so a
// draft-07 tuple `items` was not enforced), a schema without `$schema` as 2020-12.
import { describe, expect, it } from 'vitest';
import { compileArgumentsValidator } from '../src/catalog/arguments-validator.js';

describe('tool arguments validation', () => {
  it('enforces a draft-07 tuple schema by draft-07 rules', () => {
    const validate = compileArgumentsValidator({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }] } },
    });
    expect(validate?.({ pair: ['a', 1] })).toBeUndefined();
    expect(validate?.({ pair: [1, 'a'] })).toContain('arguments/pair/0 must be string');
  });

  it('reads a schema without $schema as 2020-12 (prefixItems, unevaluatedProperties)', () => {
    const validate = compileArgumentsValidator({
      type: 'object',
      properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }], items: false } },
      unevaluatedProperties: false,
    });
    expect(validate?.({ pair: ['a'] })).toBeUndefined();
    expect(validate?.({ pair: ['a', 'b'] })).toContain('arguments/pair');
    expect(validate?.({ pair: ['a'], extra: 1 })).toContain('must NOT have unevaluated properties');
  });

  it('names every problem, and leaves unusable schemas to the backend', () => {
    const validate = compileArgumentsValidator({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'integer' } },
      required: ['a', 'b'],
    });
    expect(validate?.({ a: 1, b: 'x' })).toBe('arguments/a must be string; arguments/b must be integer');
    expect(compileArgumentsValidator({ $schema: 'https://example.com/my-dialect', type: 'object' })).toBeUndefined();
    expect(compileArgumentsValidator({ type: 'object', properties: { a: { type: 'no-such-type' } } })).toBeUndefined();
    expect(compileArgumentsValidator('not a schema')).toBeUndefined();
  });
});
