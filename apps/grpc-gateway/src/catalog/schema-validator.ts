import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * Compiles tool input schemas once per catalog entry. MCP servers send draft-07 or 2020-12 schemas;
 * the `$schema` keyword is dropped so one 2020-12 validator handles both (their common subset is what
 * tool schemas use). A schema that does not compile is not enforced here: the backend still validates.
 */
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });

export type ArgumentsValidator = (value: unknown) => string | undefined;

export function compileArgumentsValidator(schema: unknown): ArgumentsValidator | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(rest);
  } catch {
    return undefined;
  }
  return (value) => {
    if (validate(value)) return undefined;
    return ajv.errorsText(validate.errors, { dataVar: 'arguments', separator: '; ' });
  };
}
