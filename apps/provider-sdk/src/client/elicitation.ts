import { createJsonSchemaValidator } from '@mcs/content-parser';
import { boundErrorMessage } from '@mcs/resilience';
import type { ClientRequestHandlers, ElicitRequestParams, ElicitResult } from '@mcs/transports';
import { type ElicitRequestFormParams, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';
import { z } from 'zod';

/** The values of a form answer: the primitive (and multi-select) fields MCP forms may have. */
export type ElicitationContent = Record<string, string | number | boolean | string[]>;

export type ElicitationSchema = ElicitRequestFormParams['requestedSchema'];

/** A backend asks the user to fill in a form (`elicitation/create`, mode `form`). */
export interface FormElicitationRequest {
  mode: 'form';
  backend: string;
  message: string;
  requestedSchema: ElicitationSchema;
  /** The schema's `default`s (SEP-1034); an accepted answer gets them for every field it leaves out. */
  defaults: ElicitationContent;
  /** Checks an answer (defaults applied) against `requestedSchema`, as the pool does before sending it. */
  validate(content: ElicitationContent): { ok: true } | { ok: false; message: string };
  /** Aborted when the backend cancels the request or its session ends. */
  signal: AbortSignal;
}

/** A backend asks the user to open a URL (`elicitation/create`, mode `url`), e.g. a browser sign-in. */
export interface UrlElicitationRequest {
  mode: 'url';
  backend: string;
  message: string;
  url: string;
  elicitationId: string;
  signal: AbortSignal;
}

export type ElicitationRequest = FormElicitationRequest | UrlElicitationRequest;

/**
 * The user's answer: `accept` (a form's `content`; a URL elicitation has none), `decline` (said no)
 * or `cancel` (dismissed without choosing).
 */
export type ElicitationAnswer =
  | { action: 'accept'; content?: ElicitationContent }
  | { action: 'decline' }
  | { action: 'cancel' };

export type ElicitationHandler = (request: ElicitationRequest) => ElicitationAnswer | Promise<ElicitationAnswer>;

const AnswerSchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('accept'),
      content: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])).optional(),
    })
    .strict(),
  z.object({ action: z.literal('decline') }).strict(),
  z.object({ action: z.literal('cancel') }).strict(),
]);

/** Validator messages quote the server's schema and the answer: cut, control characters out. */
const bounded = (text: string) => boundErrorMessage(text, 500);

/** SEP-1034: the `default` of each property the schema gives one. */
export function elicitationDefaults(schema: ElicitationSchema): ElicitationContent {
  const defaults: ElicitationContent = {};
  for (const [name, property] of Object.entries(schema.properties)) {
    const value = (property as { default?: unknown }).default;
    if (
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean' ||
      (Array.isArray(value) && value.every((item) => typeof item === 'string'))
    ) {
      defaults[name] = value;
    }
  }
  return defaults;
}

/**
 * The `elicitation/create` handler the pool gives every backend session: asks the application's
 * handler, fills in the defaults and sends a form answer only when it matches the requested schema
 * (a non-matching answer is refused with `InvalidParams`, so the backend never gets bad data).
 */
export function createElicitationResponder(handler: ElicitationHandler): ClientRequestHandlers['elicitation/create'] {
  return async (params: ElicitRequestParams, { backend, signal }): Promise<ElicitResult> => {
    if (params.mode === 'url') {
      const answer = await ask(handler, {
        mode: 'url',
        backend,
        message: params.message,
        url: params.url,
        elicitationId: params.elicitationId,
        signal,
      });
      // A URL elicitation is answered without content: what the user did happens out of band.
      return { action: answer.action };
    }
    const requestedSchema = params.requestedSchema;
    // The platform's one JSON Schema validator (@mcs/content-parser), a new one per request: AJV keeps
    // every schema object it compiled, and each request brings a new one; elicitations are paced by a
    // human, so compiling each is cheap next to a leak.
    let check: ReturnType<ReturnType<typeof createJsonSchemaValidator>['getValidator']>;
    try {
      check = createJsonSchemaValidator().getValidator(requestedSchema as Record<string, unknown>);
    } catch (error) {
      // A schema AJV cannot compile (or an unknown "$schema") is the server's mistake: no form is shown.
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `the requested schema cannot be used: ${bounded(error instanceof Error ? error.message : String(error))}`,
      );
    }
    const validate = (content: ElicitationContent) => {
      const result = check(content);
      return result.valid ? ({ ok: true } as const) : ({ ok: false, message: bounded(result.errorMessage) } as const);
    };
    const defaults = elicitationDefaults(requestedSchema);
    const answer = await ask(handler, {
      mode: 'form',
      backend,
      message: params.message,
      requestedSchema,
      defaults,
      validate: (content) => validate({ ...defaults, ...content }),
      signal,
    });
    if (answer.action !== 'accept') return { action: answer.action };
    const content = { ...defaults, ...answer.content };
    const verdict = validate(content);
    if (!verdict.ok) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `the answer does not match the requested schema, so it was not sent: ${verdict.message}`,
      );
    }
    return { action: 'accept', content };
  };
}

async function ask(handler: ElicitationHandler, request: ElicitationRequest): Promise<ElicitationAnswer> {
  const answer: unknown = await handler(request);
  const parsed = AnswerSchema.safeParse(answer);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(answer)'}: ${issue.message}`);
    throw new ProtocolError(
      ProtocolErrorCode.InternalError,
      bounded(`the client's elicitation handler gave an invalid answer: ${problems.join('; ')}`),
    );
  }
  return parsed.data;
}
