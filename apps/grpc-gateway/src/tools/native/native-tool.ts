import type { ContentBlock, LoggingLevel } from '@modelcontextprotocol/client';

/** What a native tool yields while it runs; every item reaches the caller as soon as it is yielded. */
export type NativeToolYield =
  | { kind: 'progress'; progress: number; total?: number; message?: string }
  | { kind: 'log'; level: LoggingLevel; data: unknown; logger?: string }
  /** One MCP content block (text, image, audio, resource, resource_link), parsed like a backend's. */
  | { kind: 'content'; block: ContentBlock };

/** What a native tool returns when it finishes. */
export interface NativeToolOutcome {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
}

export interface NativeToolContext {
  /** Aborted when the caller cancels or the deadline passes: stop promptly. */
  signal: AbortSignal;
  /** The verified caller (`undefined` with auth off). */
  subject: string | undefined;
}

/**
 * A tool written in TypeScript and served by the gateway itself (backend name `native`), as an async
 * generator so it can stream progress and content parts before it finishes.
 */
export interface NativeTool {
  /** The tool's own name; it is exposed as `native.<name>`. */
  name: string;
  title?: string;
  description: string;
  /** JSON Schema of the arguments (checked by the gateway before `run`). */
  inputSchema: Record<string, unknown>;
  run(
    args: Record<string, unknown>,
    context: NativeToolContext,
  ): AsyncGenerator<NativeToolYield, NativeToolOutcome | undefined>;
}

/** Identity helper that type-checks a native tool definition. */
export function defineNativeTool(tool: NativeTool): NativeTool {
  return tool;
}
