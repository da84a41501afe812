// The echo tool every reference server registers (same shape as the app's `echo`).
import * as z from 'zod';

export function registerEcho(server) {
  server.registerTool(
    'echo',
    { description: 'Returns the given text unchanged.', inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
}
