import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { PoolTool } from './mcp-client-pool.js';

/**
 * OpenAI function names allow only `[A-Za-z0-9_-]{1,64}`, so pool names (`everything.echo`) are
 * mapped (`everything__echo`); collisions after the mapping get a numeric suffix.
 */
export interface ToolNameMap {
  tools: ChatCompletionFunctionTool[];
  /** Model function name -> pool name. */
  toPool: Map<string, string>;
}

export function buildToolNames(poolTools: PoolTool[]): ToolNameMap {
  const toPool = new Map<string, string>();
  const tools = poolTools.map((tool): ChatCompletionFunctionTool => {
    const base = tool.name
      .replaceAll('.', '__')
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 64);
    let name = base;
    for (let n = 2; toPool.has(name); n++) name = `${base.slice(0, 60)}_${n}`;
    toPool.set(name, tool.name);
    const description = tool.description ?? tool.title;
    return {
      type: 'function',
      function: {
        name,
        ...(description ? { description } : {}),
        parameters: tool.inputSchema as Record<string, unknown>,
      },
    };
  });
  return { tools, toPool };
}
