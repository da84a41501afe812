// The tools every reference server registers next to `echo`, doing what the app's tools of the same
// name do: `service` awaits a real HTTP request to the bench's upstream (MCS_SERVICE_BASE_URL) and
// answers its status and JSON body (text + structured content, as the app's `service` tool does, without
// its URL checks, secret masking, size limit and timeout); its input and output schemas are the app
// tool's (the SDK validates the arguments and the structured result of both, so that work is the same);
// `test_tool_with_progress` is the app's conformance tool of that name (progress 0, 50, 100 of 100,
// 50 ms apart, then its result).
import * as z from 'zod';
import { registerEcho } from './echo-tool.mjs';

const delay = (ms, signal) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

// Built once, as the app's are (module constants): zod compiles a schema's parser on its first use,
// so schemas built per registration (the SDK's stateless servers register per request) would be
// compiled on every request.
const serviceInput = z.object({
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  path: z.string().min(1).max(2048),
  query: z.record(z.string().min(1).max(256), z.string().max(4096)).optional(),
  body: z.json().optional(),
});
const serviceOutput = z.object({
  status: z.number().int(),
  ok: z.boolean(),
  url: z.string(),
  contentType: z.string().nullable(),
  encoding: z.enum(['json', 'text', 'base64', 'none']),
  body: z.json().nullable(),
  location: z.string().optional(),
});

export function registerReferenceTools(server) {
  registerEcho(server);
  const baseUrl = process.env.MCS_SERVICE_BASE_URL;
  server.registerTool(
    'service',
    {
      description: 'Calls the upstream HTTP service.',
      inputSchema: serviceInput,
      outputSchema: serviceOutput,
    },
    async ({ method, path }, ctx) => {
      const url = new URL(path, baseUrl).href;
      const response = await fetch(url, { method, redirect: 'manual', signal: ctx.mcpReq.signal });
      const body = await response.json();
      const contentType = response.headers.get('content-type');
      const result = { status: response.status, ok: response.ok, url, contentType, encoding: 'json', body };
      return {
        content: [{ type: 'text', text: `HTTP ${response.status}\n${JSON.stringify(body)}` }],
        structuredContent: result,
      };
    },
  );
  server.registerTool(
    'test_tool_with_progress',
    { description: 'Reports progress notifications during execution' },
    async (ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progress > 0) await delay(50, ctx.mcpReq.signal);
        if (progressToken !== undefined) {
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken, progress, total: 100, message: `Completed ${progress}%` },
          });
        }
      }
      return { content: [{ type: 'text', text: 'Tool with progress executed successfully' }] };
    },
  );
}
