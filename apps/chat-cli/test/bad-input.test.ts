// Bad input from outside the CLI, each a clear one-line message, no stack trace and the right exit
// code: the model endpoint down (nothing listens), a wrong API key (the API's 401), and tool
// arguments from the model that are not JSON or do not fit the tool's schema (the model is told,
// the tool never runs with them, and the model answers).
import { getFreePort } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { everythingConfig } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';

const chat = useScriptedChat(everythingConfig());

type Message = { role: string; content?: unknown; tool_call_id?: string };
const toolAnswer = (request: Record<string, unknown> | undefined, id: string) =>
  String(((request?.messages ?? []) as Message[]).find((message) => message.tool_call_id === id)?.content);

const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at |Error: .*\n.*node:internal/);

describe('bad input from the model side', () => {
  it('the model endpoint is down: exit 4 with one line naming what could not be reached, as text and JSON', async () => {
    const closed = `http://127.0.0.1:${await getFreePort()}/v1`;
    const text = await chat.run(['-p', 'hi'], { OPENAI_BASE_URL: closed });
    expect({ code: text.code, stdout: text.stdout }).toEqual({ code: 4, stdout: '' });
    const errors = text.stderr
      .split('\n')
      .filter((line) => line.startsWith('mcs-chat: ') && line.includes('[MODEL_FAILED]'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/connect|ECONNREFUSED|unreachable/i);
    expect(errors[0]).toContain('check OPENAI_BASE_URL');
    noStackTrace(text.stderr);
    const json = await chat.run(['--json', '-p', 'hi'], { OPENAI_BASE_URL: closed });
    expect(json.code).toBe(4);
    const last = JSON.parse(json.stdout.trimEnd().split('\n').at(-1) as string);
    expect(last).toMatchObject({ type: 'error', code: 'MODEL_FAILED', category: 'unavailable' });
  });

  it('a wrong API key (401 from the API): exit 4 at once (not retried), the message says the key was refused', async () => {
    const before = chat.model.requests.length;
    chat.model.script([
      {
        status: 401,
        body: {
          error: {
            message: 'Incorrect API key provided: wrong-key',
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        },
      },
    ]);
    const { code, stdout, stderr } = await chat.run(['-p', 'hi'], { OPENAI_API_KEY: 'wrong-key' });
    expect({ code, stdout }).toEqual({ code: 4, stdout: '' });
    expect(chat.model.requests.length - before).toBe(1);
    const errors = stderr.split('\n').filter((line) => line.startsWith('mcs-chat: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('Incorrect API key provided');
    expect(errors[0]).toContain('the API refused the key: check OPENAI_API_KEY');
    noStackTrace(stderr);
  });

  it('malformed tool arguments from the model (not JSON, wrong type): the tool does not run, the model is told why and answers; exit 0', async () => {
    const before = chat.model.requests.length;
    chat.model.script([
      {
        toolCalls: [
          { id: 'call_bad_json', name: 'everything__get-sum', arguments: '{"a": 2, "b":' },
          { id: 'call_bad_type', name: 'everything__get-sum', arguments: { a: 'two', b: 3 } },
        ],
      },
      { text: 'Sorry, let me fix that.' },
    ]);
    const { code, stdout, stderr } = await chat.run(['-p', 'add 2 and 3', '--yes']);
    expect({ code, stdout }).toEqual({ code: 0, stdout: 'Sorry, let me fix that.\n' });
    const second = chat.model.requests[before + 1];
    expect(toolAnswer(second, 'call_bad_json')).toMatch(/JSON/i);
    expect(toolAnswer(second, 'call_bad_type')).toMatch(/\ba\b/);
    expect(toolAnswer(second, 'call_bad_type')).not.toContain('The sum of');
    noStackTrace(stderr);
  });
});
