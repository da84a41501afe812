import { createJsonSchemaValidator } from '@mcs/content-parser';

/**
 * Tool arguments are checked against the tool's input schema with the platform's one JSON Schema
 * validator (@mcs/content-parser's: a schema's own `$schema` picks the dialect, none means 2020-12),
 * compiled once per catalog entry.
 */
const validator = createJsonSchemaValidator({ dataVar: 'arguments', separator: '; ' });

/** The problem with `value`, or undefined when it matches. */
export type ArgumentsValidator = (value: unknown) => string | undefined;

/**
 * A schema that does not compile (or names a dialect the validator does not know) is not enforced
 * here: the backend still validates.
 */
export function compileArgumentsValidator(schema: unknown): ArgumentsValidator | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  let check: ReturnType<typeof validator.getValidator>;
  try {
    check = validator.getValidator(schema as Record<string, unknown>);
  } catch {
    return undefined;
  }
  return (value) => {
    const result = check(value);
    return result.valid ? undefined : result.errorMessage;
  };
}
