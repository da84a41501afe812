import type { ClientCapabilities, ClientRequestHandlers, Root } from '@mcs/transports';
import { z } from 'zod';
import { ProviderError } from '../provider-error.js';
import { createElicitationResponder, type ElicitationHandler } from './elicitation.js';
import { createSamplingResponder, type SamplingHandler } from './sampling-handler.js';

/** The MCP client features an application offers its backends (each advertised only when given). */
export interface ClientFeatureOptions {
  /** Answers `elicitation/create` (form and URL mode). */
  onElicitation?: ElicitationHandler;
  /** Answers `sampling/createMessage` (see `createSamplingHandler`). */
  onSampling?: SamplingHandler;
  /** The roots the backends may ask for (`roots/list`); change them with `setRoots`. */
  roots?: Root[];
}

// MCP roots are file:// URIs for now (the spec's "MUST").
const RootsSchema = z.array(
  z.object({ uri: z.string().regex(/^file:\/\//, 'must be a file:// URI'), name: z.string().optional() }).strict(),
);

/** Validates roots the application sets; `CONFIG_INVALID` names each bad entry. */
export function parseRoots(roots: unknown): Root[] {
  const result = RootsSchema.safeParse(roots);
  if (result.success) return result.data.map((root) => ({ ...root }));
  const problems = result.error.issues.map((issue) => `roots.${issue.path.join('.')}: ${issue.message}`).join('; ');
  throw new ProviderError('CONFIG_INVALID', `invalid roots: ${problems}`, { cause: result.error });
}

/** What every MCP backend advertises in `initialize` and the handlers that answer for it. */
export function clientFeatures(
  options: ClientFeatureOptions,
  currentRoots: () => Root[],
): { capabilities: ClientCapabilities; requestHandlers: ClientRequestHandlers } {
  const capabilities: ClientCapabilities = {};
  const requestHandlers: ClientRequestHandlers = {};
  if (options.onElicitation) {
    // The pool applies the defaults itself (before validating), so `applyDefaults` is not asked of the SDK.
    capabilities.elicitation = { form: {}, url: {} };
    requestHandlers['elicitation/create'] = createElicitationResponder(options.onElicitation);
  }
  if (options.onSampling) {
    capabilities.sampling = {};
    requestHandlers['sampling/createMessage'] = createSamplingResponder(options.onSampling);
  }
  if (options.roots !== undefined) {
    capabilities.roots = { listChanged: true };
    requestHandlers['roots/list'] = () => currentRoots();
  }
  return { capabilities, requestHandlers };
}
