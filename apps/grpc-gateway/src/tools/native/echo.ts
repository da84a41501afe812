import { defineNativeTool } from './native-tool.js';

/** Returns its `message` as one text part (the fastest path through the gateway, used by the bench). */
export const echoTool = defineNativeTool({
  name: 'echo',
  title: 'Echo',
  description: 'Returns the message it is given, as text.',
  inputSchema: {
    type: 'object',
    properties: { message: { type: 'string', description: 'Text to send back.' } },
    required: ['message'],
    additionalProperties: false,
  },
  async *run(args) {
    yield { kind: 'content', block: { type: 'text', text: String(args.message) } };
    return undefined;
  },
});
