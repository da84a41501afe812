import { createJsonSchemaValidator, type JsonSchemaCheck } from '@mcs/content-parser';
import {
  type CallToolResult,
  type Client,
  ProtocolError,
  ProtocolErrorCode,
  type StandardSchemaV1,
  specTypeSchemas,
  type Tool,
} from '@modelcontextprotocol/client';

// `tools/call` on a 2025-era (legacy) session without `Client.callTool`'s per-request overhead, with
// the same checks. `Client.callTool` calls `request()` without a result schema, and for that case the
// SDK (2.4) first probes whether the method exists in the era by validating `undefined` against the
// method's result schema: the probe always fails and formats a full zod error message that is thrown
// away, about 25 µs of CPU per call (3-7% of the gateway's busy time on its stdio path, plus the
// garbage). Passing the result schema explicitly skips the probe; the output-schema check that
// `Client.callTool` adds is done here with the platform's one JSON Schema validator, compiled once per
// tool from the session's last `tools/list`, at the tool's first call (so a client that lists tools
// and calls none, like a CLI before its first turn, never loads the validator's ~100 modules).

/** Result keys of other result families: without `content` they must not default into a success. */
const foreignFamilyKeys = ['task', 'inputRequests', 'requestState'] as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const callToolResult = specTypeSchemas.CallToolResult['~standard'];

/**
 * The 2025-era wire schema of a `tools/call` result, as the SDK's codec checks it: a body without
 * `content` that carries another family's key is refused (it would default to an empty success), and
 * `structuredContent` is an object. The rest is the SDK's own `CallToolResult` schema.
 */
export const callToolResultSchema: StandardSchemaV1<unknown, CallToolResult> = {
  '~standard': {
    version: 1,
    vendor: 'mcs-transports',
    validate(value) {
      if (isRecord(value) && value.content === undefined) {
        const key = foreignFamilyKeys.find((each) => each in value);
        if (key !== undefined) {
          return {
            issues: [
              {
                message: `content is required when the body carries '${key}' — another result family cannot default into an empty tools/call success`,
              },
            ],
          };
        }
      }
      const outcome = callToolResult.validate(value);
      if (outcome.issues === undefined && outcome.value.structuredContent !== undefined) {
        if (!isRecord(outcome.value.structuredContent)) {
          return { issues: [{ message: 'structuredContent must be an object', path: ['structuredContent'] }] };
        }
      }
      return outcome;
    },
  },
};

type OutputCheck = { ok: true; check: (value: unknown) => JsonSchemaCheck } | { ok: false; error: unknown };

/** A listed tool's `outputSchema`, and its check once its first call compiled it. */
interface OutputSchema {
  schema: NonNullable<Tool['outputSchema']>;
  compiled?: OutputCheck;
}

function compile(schema: OutputSchema['schema']): OutputCheck {
  try {
    return { ok: true, check: validator.getValidator(schema) };
  } catch (error) {
    return { ok: false, error };
  }
}

const validator = createJsonSchemaValidator();

/**
 * The compiled `outputSchema` checks of each session's tools, from its last `tools/list` (keyed by the
 * session's SDK client, so a new session starts empty). Forgotten on `notifications/tools/list_changed`,
 * as the SDK's response cache is: until the next `tools/list` a call is not checked, as with
 * `Client.callTool`.
 */
export class OutputSchemaChecks {
  #bySession = new WeakMap<Client, Map<string, OutputSchema>>();

  /** Keeps the output schemas of `tools` (listed on `client`'s session); a bad one fails only its tool. */
  remember(client: Client, tools: readonly Tool[]): void {
    const schemas = new Map<string, OutputSchema>();
    for (const tool of tools) if (tool.outputSchema) schemas.set(tool.name, { schema: tool.outputSchema });
    this.#bySession.set(client, schemas);
  }

  forgetAll(): void {
    this.#bySession = new WeakMap();
  }

  /** The check of tool `name` on `client`'s session; throws (before anything is sent) for an unusable schema. */
  checkFor(client: Client, name: string): ((result: CallToolResult) => CallToolResult) | undefined {
    const listed = this.#bySession.get(client)?.get(name);
    if (listed === undefined) return undefined;
    listed.compiled ??= compile(listed.schema);
    const entry = listed.compiled;
    if (!entry.ok) {
      const message = (entry.error instanceof Error ? entry.error.message : String(entry.error)).slice(0, 200);
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Tool '${name}' has an invalid outputSchema: ${message}`,
      );
    }
    const { check } = entry;
    // The same rules and messages as Client.callTool.
    return (result) => {
      if (result.isError) return result;
      if (result.structuredContent === undefined) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidRequest,
          `Tool ${name} has an output schema but did not return structured content`,
        );
      }
      let outcome: JsonSchemaCheck;
      try {
        outcome = check(result.structuredContent);
      } catch (error) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `Failed to validate structured content: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      if (!outcome.valid) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `Structured content does not match the tool's output schema: ${outcome.errorMessage}`,
        );
      }
      return result;
    };
  }
}
