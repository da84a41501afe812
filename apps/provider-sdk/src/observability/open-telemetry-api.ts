import { createRequire } from 'node:module';

// `@opentelemetry/api` (about 50 modules) is required when a span is to be made, not by
// `import '@mcs/provider-sdk'`: a process with no OpenTelemetry SDK (mcs-chat, most users of the pool)
// never loads it. The CommonJS build shares its state with an application's ESM import of the API: the
// registered globals and the context keys are `Symbol.for` names, read by every copy of API v1.
const require = createRequire(import.meta.url);

export const openTelemetryApi = (): typeof import('@opentelemetry/api') => require('@opentelemetry/api');

/** The API's global slot (`Symbol.for('opentelemetry.js.api.<major>')`), made by the first registration. */
const GLOBAL_KEY = Symbol.for('opentelemetry.js.api.1');

/**
 * Whether some copy of the API has registered anything (a tracer provider, a context manager): until
 * then no SDK is set up, no tracer can exist, and the API need not be loaded to find that out.
 */
export const openTelemetryRegistered = (): boolean => GLOBAL_KEY in globalThis;
