import * as z from 'zod';
import { definePureTool } from '../pack-framework/pure-tool.js';

const echoInput = z.object({
  text: z.string().max(100_000).describe('Text to send back unchanged'),
});

const echoOutput = z.object({
  text: z.string().describe('The text that was sent'),
});

/** `echo`: returns its `text` argument, as text content and as structured content. */
export const echoTool = definePureTool({
  name: 'echo',
  title: 'Echo',
  description: 'Returns the given text unchanged.',
  inputSchema: echoInput,
  outputSchema: echoOutput,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  call: ({ text }) => ({
    content: [{ type: 'text', text }],
    structuredContent: { text },
  }),
});
