import { createHash } from 'node:crypto';
import { type CallToolResult, inputRequired, inputResponse, type ServerContext } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { requestStateFor } from '../mcp/stateless/request-state.js';
import type { PackContext, ServiceMethod, UpstreamCredentials } from '../pack-framework/pack-context.js';
import { PackError } from '../pack-framework/pack-error.js';
import type { PackModule } from '../pack-framework/pack-module.js';
import { maskSecrets } from './service/mask-secrets.js';
import { ResponseTooLargeError, readLimitedBody } from './service/read-limited-body.js';
import { resolveUpstreamUrl } from './service/upstream-url.js';

export const SERVICE_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
] as const satisfies readonly ServiceMethod[];

const baseUrlSchema = z
  .url({ protocol: /^https?$/, error: 'service.baseUrl must be an absolute http(s) URL' })
  .refine((value) => {
    // zod runs refinements after a failed format check too: an unparsable value is reported above.
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return url.username === '' && url.password === '' && url.search === '' && url.hash === '';
  }, 'service.baseUrl must not carry user info, a query or a fragment; credentials go through the credential provider');

const settingsSchema = z.object({
  baseUrl: baseUrlSchema.optional(),
  timeoutMs: z.number().int().min(1).max(300_000).default(10_000),
  maxResponseBytes: z
    .number()
    .int()
    .min(1)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  allowedMethods: z
    .array(z.enum(SERVICE_METHODS))
    .min(1)
    .default([...SERVICE_METHODS]),
  headers: z.record(z.string().min(1), z.string()).default({}),
  confirm: z.enum(['off', 'writes', 'all']).default('off'),
});

type ServiceSettings = z.infer<typeof settingsSchema>;

const serviceInput = z.object({
  method: z.enum(SERVICE_METHODS).default('GET').describe('HTTP method'),
  path: z
    .string()
    .min(1)
    .max(2048)
    .describe('Path under the configured upstream base URL, starting with "/" (no "..", no host)'),
  query: z
    .record(z.string().min(1).max(256), z.string().max(4096))
    .optional()
    .describe('Query parameters, added to the URL'),
  body: z.json().optional().describe('JSON request body (POST, PUT, PATCH, DELETE)'),
});

const serviceOutput = z.object({
  status: z.number().int().describe('HTTP status of the upstream response'),
  ok: z.boolean().describe('true for a 2xx status'),
  url: z.string().describe('The URL that was called'),
  contentType: z.string().nullable(),
  encoding: z.enum(['json', 'text', 'base64', 'none']).describe('How `body` is encoded'),
  body: z.json().nullable().describe('Parsed JSON, text, or base64 of a binary body'),
  location: z.string().optional().describe('Location header of a redirect (redirects are not followed)'),
});

type ServiceOutput = z.infer<typeof serviceOutput>;

/** Validates the operator's settings once, at registration, with a message naming the bad field. */
export function parseServiceSettings(settings: PackContext['service']): ServiceSettings {
  const parsed = settingsSchema.safeParse(settings ?? {});
  if (!parsed.success) {
    throw new PackError('INVALID_PACK_CONTEXT', `Invalid service tool settings: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

function isJsonType(contentType: string | null): boolean {
  return contentType !== null && /^application\/([\w.+-]*\+)?json\b|^text\/json\b/i.test(contentType);
}

function isTextType(contentType: string | null): boolean {
  return (
    contentType !== null &&
    /^text\/|^application\/([\w.+-]*\+)?xml\b|^application\/x-www-form-urlencoded\b|^application\/javascript\b/i.test(
      contentType,
    )
  );
}

/** One decoder for every call: `decode` without `stream` keeps no state between calls. */
const utf8 = new TextDecoder();

function decodeBody(bytes: Uint8Array, contentType: string | null, secrets: readonly string[]) {
  if (bytes.byteLength === 0) return { encoding: 'none' as const, body: null };
  if (isJsonType(contentType) || isTextType(contentType)) {
    const text = maskSecrets(utf8.decode(bytes), secrets);
    if (isJsonType(contentType)) {
      try {
        return { encoding: 'json' as const, body: JSON.parse(text) as z.infer<ReturnType<typeof z.json>> };
      } catch {
        // A JSON content type with an invalid body is passed on as text rather than failing the call.
      }
    }
    return { encoding: 'text' as const, body: text };
  }
  return { encoding: 'base64' as const, body: Buffer.from(bytes).toString('base64') };
}

/** fetch() reports network failures as "fetch failed" with the real reason in `cause`. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}

async function credentialsFor(
  context: PackContext,
  ctx: ServerContext,
  method: ServiceMethod,
  url: URL,
): Promise<UpstreamCredentials | undefined> {
  return context.credentials?.({ sessionId: ctx.sessionId, authInfo: ctx.http?.authInfo, method, url });
}

const CONFIRM_KEY = 'confirm_upstream_call';
const SAFE_METHODS: readonly ServiceMethod[] = ['GET', 'HEAD'];

/** What a confirmation was given for: the exact call (a retry with other arguments is asked again). */
interface ConfirmedCall {
  readonly method: ServiceMethod;
  readonly url: string;
  readonly body: string;
}

function callOf(method: ServiceMethod, url: URL, body: unknown): ConfirmedCall {
  const json = body === undefined ? '' : JSON.stringify(body);
  return { method, url: url.href, body: createHash('sha256').update(json).digest('base64url') };
}

/**
 * The confirmation step (`confirm` setting): the first round answers an input-required result
 * asking the user (elicitation), with the call sealed into `requestState`; the retry carrying the
 * answer and that state, on any replica, proceeds only when the user accepted and the arguments are
 * the ones confirmed. Returns a result to answer instead of calling, or undefined to go on. On
 * 2025-era sessions the SDK asks the client itself and re-enters the handler.
 */
function confirmation(
  settings: ServiceSettings,
  context: PackContext,
  ctx: ServerContext,
  method: ServiceMethod,
  url: URL,
  body: unknown,
): ReturnType<typeof inputRequired> | CallToolResult | undefined {
  if (settings.confirm === 'off' || (settings.confirm === 'writes' && SAFE_METHODS.includes(method))) {
    return undefined;
  }
  // Hashed only when a confirmation is asked for: most deployments run with `confirm: off`.
  const call = callOf(method, url, body);
  const shownUrl = url.href;
  const confirmed = requestStateFor<ConfirmedCall>(ctx, 'service');
  const answer = inputResponse(ctx.mcpReq.inputResponses, CONFIRM_KEY);
  const sameCall =
    confirmed !== undefined &&
    confirmed.method === call.method &&
    confirmed.url === call.url &&
    confirmed.body === call.body;
  if (sameCall && answer.kind === 'elicit') {
    if (answer.action === 'accept' && answer.content?.confirm === true) return undefined;
    return toolError(`The ${call.method} call to ${shownUrl} was not confirmed; nothing was sent upstream.`);
  }
  const seal = context.requestState;
  if (seal === undefined) return toolError('Confirmation is required but this server cannot ask for it.');
  return inputRequired({
    inputRequests: {
      [CONFIRM_KEY]: inputRequired.elicit({
        message: `Call the upstream service: ${call.method} ${shownUrl}?`,
        requestedSchema: {
          type: 'object',
          properties: { confirm: { type: 'boolean', title: 'Send this request', default: false } },
          required: ['confirm'],
        },
      }),
    },
    requestState: seal.mint('service', call, ctx),
  });
}

/** Settings parsed once per PackContext: the app builds a server (and registers tools) per request. */
interface ServiceRuntime {
  readonly settings: ServiceSettings;
  readonly base: URL | undefined;
  readonly log: PackContext['logger'];
}

const runtimeByContext = new WeakMap<PackContext, ServiceRuntime>();

function serviceRuntime(context: PackContext): ServiceRuntime {
  let runtime = runtimeByContext.get(context);
  if (runtime === undefined) {
    const settings = parseServiceSettings(context.service);
    runtime = {
      settings,
      base: settings.baseUrl === undefined ? undefined : new URL(settings.baseUrl),
      log: context.logger.child({ tool: 'service' }),
    };
    runtimeByContext.set(context, runtime);
  }
  return runtime;
}

/**
 * `service`: the generic upstream tool. Calls the one configured upstream (path, method, query and
 * JSON body validated), with a timeout and a response size limit, never following redirects, and
 * returns the status and body (JSON as structured content). Credentials come from the pluggable
 * provider of the PackContext, and their values are masked out of everything returned or logged.
 */
export const serviceTool: PackModule = {
  name: 'service',
  validate(context) {
    serviceRuntime(context);
  },
  register(server, context) {
    const { settings, base, log } = serviceRuntime(context);

    server.registerTool(
      'service',
      {
        title: 'Upstream service',
        description: base
          ? `Calls the upstream service at ${base.href} (path under it, JSON in and out) and returns status and body.`
          : 'Calls the configured upstream service (none is configured on this server).',
        inputSchema: serviceInput,
        outputSchema: serviceOutput,
        annotations: { openWorldHint: true },
      },
      async ({ method, path, query, body }, ctx) => {
        if (base === undefined) return toolError('The service tool has no upstream configured on this server.');
        if (!settings.allowedMethods.includes(method)) {
          return toolError(`Method ${method} is not allowed; use one of: ${settings.allowedMethods.join(', ')}.`);
        }
        if (body !== undefined && (method === 'GET' || method === 'HEAD')) {
          return toolError(`A body cannot be sent with ${method}; use POST, PUT, PATCH or DELETE.`);
        }
        const url = resolveUpstreamUrl(base, path, query);
        if (url === undefined) {
          return toolError(
            `Path "${path}" is refused: give a path under ${base.pathname} starting with "/", without "..".`,
          );
        }

        const asked = confirmation(settings, context, ctx, method, url, body);
        if (asked !== undefined) return asked;

        let credentials: UpstreamCredentials | undefined;
        try {
          credentials = await credentialsFor(context, ctx, method, url);
        } catch (error) {
          // The provider's message says what to do (e.g. "call the login tool first").
          return toolError(`No upstream credentials: ${describeError(error)}`);
        }
        const secrets = [...(credentials?.secrets ?? []), ...Object.values(credentials?.headers ?? {})];
        const headers = new Headers({ accept: 'application/json, */*;q=0.5', ...settings.headers });
        if (credentials?.headers !== undefined) {
          for (const [name, value] of Object.entries(credentials.headers)) headers.set(name, value);
        }
        if (body !== undefined) headers.set('content-type', 'application/json');

        const shownUrl = maskSecrets(url.href, secrets);
        // Fields of the call's log lines, given per line: a child logger per call (its bindings
        // serialized at once) cost CPU on every call even with these levels off.
        const logFields = { sessionId: ctx.sessionId, method, url: shownUrl };
        const started = performance.now();
        // One controller for the client's cancellation and the timeout, the timer cleared when the
        // call ends: `AbortSignal.timeout` cannot be cleared (every call left a timer firing, with a
        // DOMException, `timeoutMs` later) and `AbortSignal.any` tracks its sources with weak refs.
        const controller = new AbortController();
        const { signal } = controller;
        const requestSignal = ctx.mcpReq.signal;
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          controller.abort(new DOMException(`no answer within ${settings.timeoutMs} ms`, 'TimeoutError'));
        }, settings.timeoutMs);
        const onCancel = () => controller.abort(requestSignal.reason);
        if (requestSignal.aborted) onCancel();
        else requestSignal.addEventListener('abort', onCancel, { once: true });
        try {
          const response = await fetch(url, {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
            redirect: 'manual',
            signal,
          });
          const bytes = await readLimitedBody(response, settings.maxResponseBytes);
          const contentType = response.headers.get('content-type');
          const location = response.headers.get('location');
          const result: ServiceOutput = {
            status: response.status,
            ok: response.ok,
            url: shownUrl,
            contentType,
            ...decodeBody(bytes, contentType, secrets),
            ...(location === null ? {} : { location: maskSecrets(location, secrets) }),
          };
          log.info(
            {
              ...logFields,
              status: response.status,
              bytes: bytes.byteLength,
              durationMs: Math.round(performance.now() - started),
            },
            'upstream call',
          );
          const text = result.encoding === 'json' ? JSON.stringify(result.body) : String(result.body ?? '');
          return {
            content: [{ type: 'text', text: `HTTP ${result.status}\n${text}` }],
            structuredContent: result,
          };
        } catch (error) {
          const reason =
            error instanceof ResponseTooLargeError
              ? `the response is larger than ${error.limitBytes} bytes`
              : timedOut && !requestSignal.aborted
                ? `no answer within ${settings.timeoutMs} ms`
                : maskSecrets(describeError(error), secrets);
          log.warn(
            { ...logFields, reason, durationMs: Math.round(performance.now() - started) },
            'upstream call failed',
          );
          return toolError(`The upstream call ${method} ${shownUrl} failed: ${reason}.`);
        } finally {
          clearTimeout(timer);
          requestSignal.removeEventListener('abort', onCancel);
        }
      },
    );
  },
};
