// createProvider({ approveSampling }): a backend's sampling/createMessage (server-everything's
// trigger-sampling-request) is answered by the provider's own model (the scripted OpenAI-compatible
// server) once the approval hook said yes; a refusal reaches the backend as an error.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createProvider, type Provider, type SamplingRequest } from '../src/index.js';
import { everythingStdio } from './fixtures/backends.js';
import { type ScriptedModel, startScriptedModel } from './scripted-model.js';

let model: ScriptedModel;
let provider: Provider;
const approvals: SamplingRequest[] = [];
let approve = true;

beforeAll(async () => {
  model = await startScriptedModel();
  provider = createProvider(
    {
      model: 'scripted',
      baseURL: model.baseURL,
      apiKey: 'test-key',
      mcp: { backends: { everything: everythingStdio() } },
    },
    {
      env: {},
      approveSampling: (request) => {
        approvals.push(request);
        return approve;
      },
    },
  );
  expect((await provider.pool!.connect()).failed).toEqual([]);
}, 30_000);

afterAll(async () => {
  await provider?.close();
  await model?.close();
});

const textOf = (result: { parts: { type: string; text?: string; message?: string }[] }) =>
  result.parts.map((part) => part.text ?? part.message ?? '').join('\n');

it('an approved sampling request runs the provider model with the server messages, without tools', async () => {
  model.script([{ text: 'sampled by the provider' }]);
  const result = await provider.pool!.callTool('everything.trigger-sampling-request', { prompt: 'hello there' });
  expect(textOf(result)).toContain('sampled by the provider');
  expect(approvals.at(-1)).toMatchObject({ backend: 'everything' });
  expect(model.requests).toHaveLength(1);
  const request = model.requests[0]!;
  expect(request).toMatchObject({ model: 'scripted', max_completion_tokens: 100, temperature: 0.7 });
  expect(request.tools).toBeUndefined();
  const messages = JSON.stringify(request.messages);
  expect(messages).toContain('You are a helpful test server.');
  expect(messages).toContain('hello there');
});

it('a refused request never reaches the model; the backend gets "rejected"', async () => {
  approve = false;
  model.script([{ text: 'must not be asked' }]);
  const before = model.requests.length;
  const result = await provider.pool!.callTool('everything.trigger-sampling-request', { prompt: 'again' });
  expect(result.isError).toBe(true);
  expect(textOf(result)).toContain('rejected');
  expect(model.requests.length).toBe(before);
});
