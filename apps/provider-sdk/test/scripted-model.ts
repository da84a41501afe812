/**
 * A scripted OpenAI-compatible chat-completions server: the one imitation the tests allow (a real
 * model is neither free nor deterministic). Self-contained (node:http only), reusable by other apps.
 *
 *   const model = await startScriptedModel();            // 127.0.0.1, free port
 *   model.script([{ toolCalls: [{ name: 'everything__echo', arguments: { message: 'hi' } }] },
 *                 { text: ['Done', '.'] }]);
 *   new OpenAI({ baseURL: model.baseURL, apiKey: 'test' }) // or OPENAI_BASE_URL
 *   model.requests                                        // every request body, in order
 *   await model.close();
 *
 * Each `POST /v1/chat/completions` takes the next reply of the script:
 * - `{ status, headers?, body? }`: an error answer (e.g. 429 with `retry-after`, 500).
 * - `{ text?, toolCalls?, finishReason?, usage?, hang?, drop?, firstTokenDelayMs? }`: a stream of
 *   chat.completion.chunk SSE events (`data: {...}` lines, then `data: [DONE]`): first the role-only
 *   chunk real APIs send (`{ role: 'assistant', content: '' }`), text pieces one chunk each; each tool
 *   call as two chunks (id + name, then the arguments in two fragments) like real APIs; a finish
 *   chunk; a usage chunk when `stream_options.include_usage` was asked. Failing on cue:
 *   - `hang: true` sends the text (none: only the role chunk, a stall before the first token) and then
 *     keeps the response open until the client goes away (counted in `disconnects`);
 *   - `drop: 'after-role' | 'after-text'` destroys the connection right after the role chunk / the text;
 *   - `firstTokenDelayMs` waits that long after the role chunk before the first text or tool chunk.
 * - `{ sse: [...], open? }`: the stream's body written as it is, one `write` per string and a short pause between
 *   them (so they arrive as separate reads): for the stream reader's edge cases (CRLF, events split
 *   across reads, comments, `event: error`, bad JSON); `open: true` then keeps the response open
 *   until the client goes away (counted in `disconnects`) instead of ending it.
 * `stream: false` requests get one chat.completion JSON with the same content. An exhausted script
 * answers 500 `script exhausted`, so a test that expected fewer model calls fails loudly.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedToolCall {
  id?: string;
  name: string;
  /** An object is JSON-encoded; a string is sent as is (to test bad JSON). */
  arguments: Record<string, unknown> | string;
}

export type ScriptedReply =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { sse: string[]; open?: boolean }
  | {
      text?: string | string[];
      toolCalls?: ScriptedToolCall[];
      finishReason?: string;
      usage?: {
        prompt_tokens: number;
        completion_tokens: number;
        prompt_tokens_details?: { cached_tokens?: number };
        completion_tokens_details?: { reasoning_tokens?: number };
      };
      hang?: boolean;
      drop?: 'after-role' | 'after-text';
      firstTokenDelayMs?: number;
    };

export interface ScriptedModel extends AsyncDisposable {
  /** `http://127.0.0.1:<port>/v1`: the OpenAI client's `baseURL`. */
  readonly baseURL: string;
  /** Request bodies in arrival order (parsed JSON). */
  readonly requests: Record<string, unknown>[];
  /** Hanging streams whose client disconnected. */
  readonly disconnects: number;
  /** TCP connections accepted so far (a client that keeps its connection alive opens one). */
  readonly connections: number;
  /** Replaces the remaining script. */
  script(replies: ScriptedReply[]): void;
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

export async function startScriptedModel(): Promise<ScriptedModel> {
  let replies: ScriptedReply[] = [];
  const requests: Record<string, unknown>[] = [];
  let disconnects = 0;
  let connections = 0;
  let sequence = 0;
  const sockets = new Set<import('node:net').Socket>();

  async function handle(request: IncomingMessage, response: ServerResponse) {
    if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const body = JSON.parse(await readBody(request)) as Record<string, unknown>;
    requests.push(body);
    const reply = replies.shift() ?? {
      status: 500,
      body: { error: { message: 'script exhausted', type: 'server_error' } },
    };
    if ('status' in reply) {
      response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      response.end(JSON.stringify(reply.body ?? { error: { message: `scripted ${reply.status}`, type: 'scripted' } }));
      return;
    }
    if ('sse' in reply) {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      if (reply.open) response.on('close', () => disconnects++);
      for (const piece of reply.sse) {
        await new Promise<void>((resolve) => response.write(piece, () => resolve()));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (!reply.open) response.end();
      return;
    }
    const id = `chatcmpl-${++sequence}`;
    const model = String(body.model);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id,
      object: 'chat.completion.chunk',
      created: 1,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const texts = typeof reply.text === 'string' ? [reply.text] : (reply.text ?? []);
    const calls = (reply.toolCalls ?? []).map((call, index) => ({
      id: call.id ?? `call_${sequence}_${index}`,
      name: call.name,
      args: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    }));
    const finishReason = reply.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop');
    const usage = {
      ...reply.usage,
      prompt_tokens: reply.usage?.prompt_tokens ?? 10,
      completion_tokens: reply.usage?.completion_tokens ?? 5,
    };

    if (body.stream !== true) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created: 1,
          model,
          choices: [
            {
              index: 0,
              finish_reason: finishReason,
              message: {
                role: 'assistant',
                content: texts.join('') || null,
                ...(calls.length > 0
                  ? {
                      tool_calls: calls.map((call) => ({
                        id: call.id,
                        type: 'function',
                        function: { name: call.name, arguments: call.args },
                      })),
                    }
                  : {}),
              },
            },
          ],
          usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        }),
      );
      return;
    }

    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
    // The chunks written so far reach the client first, then the connection breaks.
    const drop = () =>
      new Promise<void>((resolve) => response.write('', () => resolve())).then(() => response.socket?.destroy());
    send(chunk({ role: 'assistant', content: '' }));
    if (reply.drop === 'after-role') return drop();
    if (reply.firstTokenDelayMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, reply.firstTokenDelayMs));
      if (response.destroyed) return;
    }
    for (const text of texts) send(chunk({ content: text }));
    if (reply.drop === 'after-text') return drop();
    if (reply.hang) {
      response.on('close', () => disconnects++);
      return;
    }
    calls.forEach((call, index) => {
      const half = Math.ceil(call.args.length / 2);
      send(
        chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }),
      );
      send(chunk({ tool_calls: [{ index, function: { arguments: call.args.slice(0, half) } }] }));
      send(chunk({ tool_calls: [{ index, function: { arguments: call.args.slice(half) } }] }));
    });
    send(chunk({}, finishReason));
    if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
      send({
        id,
        object: 'chat.completion.chunk',
        created: 1,
        model,
        choices: [],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      });
    }
    response.end('data: [DONE]\n\n');
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: String(error) } }));
    });
  });
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    get disconnects() {
      return disconnects;
    },
    get connections() {
      return connections;
    },
    script(next) {
      replies = [...next];
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
