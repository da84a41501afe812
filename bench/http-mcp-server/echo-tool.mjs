// The echo tool every reference server registers (same shape as the app's `echo`).
import * as z from 'zod';

// Built once, as the app's schemas are: zod compiles a schema's parser on its first use, and the
// SDK's stateless servers register their tools per request.
const echoInput = z.object({ text: z.string() });

export function registerEcho(server) {
  server.registerTool(
    'echo',
    { description: 'Returns the given text unchanged.', inputSchema: echoInput },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
}
