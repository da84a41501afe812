/**
 * The process's exit codes, one per kind of failure so scripts can tell them apart. Config problems
 * share 2 with usage errors (both are fixed by changing the command or its files).
 */
export const EXIT_OK = 0;
/** Anything unexpected (a bug, an unclassified failure). */
export const EXIT_FAILED = 1;
/** A usage or config error: an unknown flag, a missing or invalid config file, an unset `${VAR}`, no model or key. */
export const EXIT_USAGE = 2;
/** An MCP server failed: one could not be reached at start with `--require-servers`, or a request to it failed. */
export const EXIT_SERVER = 3;
/** The model API failed (after retries and fallbacks), or its answer could not be used. */
export const EXIT_MODEL = 4;

const modelCodes = new Set(['MODEL_FAILED', 'OUTPUT_INVALID', 'MAX_STEPS_EXCEEDED']);
const serverCodes = new Set(['BACKEND_FAILED', 'UNKNOWN_BACKEND']);
const usageCodes = new Set(['USAGE', 'CONFIG_NOT_FOUND', 'CONFIG_INVALID', 'ENV_MISSING', 'PROFILE_UNKNOWN']);

/** The exit code for an error code of the CLI or of the provider-sdk. */
export function exitCodeOf(code: string | undefined): number {
  if (code === undefined) return EXIT_FAILED;
  if (usageCodes.has(code)) return EXIT_USAGE;
  if (modelCodes.has(code)) return EXIT_MODEL;
  if (serverCodes.has(code)) return EXIT_SERVER;
  return EXIT_FAILED;
}
