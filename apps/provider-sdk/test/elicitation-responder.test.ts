// The form answer check of createElicitationResponder runs on the platform's one JSON Schema validator
// (@mcs/content-parser): formats are checked, a schema it cannot use is refused as the server's mistake
// before any form is shown, and an answer that does not match is never sent.
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import {
  createElicitationResponder,
  type ElicitationRequest,
  type ElicitationSchema,
} from '../src/client/elicitation.js';

const context = { backend: 'forms', signal: new AbortController().signal };

function responder(content: Record<string, string | number | boolean>) {
  const asked: ElicitationRequest[] = [];
  const responder = createElicitationResponder((request) => {
    asked.push(request);
    return { action: 'accept', content };
  });
  if (responder === undefined) throw new Error('createElicitationResponder gave no handler');
  return { respond: responder, asked };
}

const emailForm: ElicitationSchema = {
  type: 'object',
  properties: { email: { type: 'string', format: 'email' }, age: { type: 'integer', minimum: 0, default: 30 } },
  required: ['email'],
};

describe('createElicitationResponder', () => {
  it('sends an answer that matches, with the defaults filled in', async () => {
    const { respond } = responder({ email: 'ada@example.org' });
    const result = await respond({ mode: 'form', message: 'Who?', requestedSchema: emailForm }, context);
    expect(result).toEqual({ action: 'accept', content: { email: 'ada@example.org', age: 30 } });
  });

  it('refuses an answer whose format does not match, naming the field', async () => {
    const { respond, asked } = responder({ email: 'not an address' });
    const answer = respond({ mode: 'form', message: 'Who?', requestedSchema: emailForm }, context);
    await expect(answer).rejects.toMatchObject({ code: ProtocolErrorCode.InvalidParams });
    await expect(answer).rejects.toThrow(/email.*format "email"/);
    const request = asked[0];
    expect(request?.mode === 'form' && request.validate({ email: 'x' })).toMatchObject({ ok: false });
  });

  it('refuses a schema it cannot use before any form is shown', async () => {
    const { respond, asked } = responder({ email: 'ada@example.org' });
    const requestedSchema = { ...emailForm, $schema: 'https://example.org/no-such-dialect' };
    const answer = respond({ mode: 'form', message: 'Who?', requestedSchema }, context);
    await expect(answer).rejects.toBeInstanceOf(ProtocolError);
    await expect(answer).rejects.toThrow(/requested schema cannot be used: unsupported "\$schema"/);
    expect(asked).toHaveLength(0);
  });
});
