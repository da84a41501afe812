import { setTimeout as sleep } from 'node:timers/promises';
import { defineNativeTool } from './native-tool.js';

/** Streams `count` progress events and text parts, `intervalMs` apart; stops at once when cancelled. */
export const tickerTool = defineNativeTool({
  name: 'ticker',
  title: 'Ticker',
  description: 'Counts from 1 to `count`, one tick every `intervalMs`, streaming progress and one text part per tick.',
  inputSchema: {
    type: 'object',
    properties: {
      count: { type: 'integer', minimum: 1, maximum: 1000, default: 5 },
      intervalMs: { type: 'integer', minimum: 0, maximum: 60_000, default: 100 },
    },
    additionalProperties: false,
  },
  async *run(args, { signal }) {
    const count = typeof args.count === 'number' ? args.count : 5;
    const intervalMs = typeof args.intervalMs === 'number' ? args.intervalMs : 100;
    for (let tick = 1; tick <= count; tick++) {
      await sleep(intervalMs, undefined, { signal });
      yield { kind: 'progress', progress: tick, total: count, message: `tick ${tick}/${count}` };
      yield { kind: 'content', block: { type: 'text', text: `tick ${tick}` } };
    }
    return { structuredContent: { ticks: count } };
  },
});
